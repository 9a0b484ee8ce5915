namespace Germqtt.Config;

/// <summary>A configuration that cannot run; every problem found, each naming its [section] key.</summary>
public sealed class ConfigException(IReadOnlyList<string> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
