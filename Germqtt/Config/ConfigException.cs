namespace Germqtt.Config;

/// <summary>A configuration that cannot run; every problem found, each naming its [section] key.</summary>
public sealed class ConfigException(IReadOnlyList<ConfigError> problems)
    : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<ConfigError> Problems { get; } = problems;

    /// <summary>Each problem as the line an operator reads.</summary>
    public IReadOnlyList<string> Errors => [.. Problems.Select(p => p.ToString())];
}
