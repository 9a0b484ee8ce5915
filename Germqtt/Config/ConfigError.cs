namespace Germqtt.Config;

/// <summary>What kind of problem a configuration error is, so a run can tell which ones concern it.</summary>
public enum ConfigProblem
{
    /// <summary>A value that is wrong whatever the run does.</summary>
    Invalid,

    /// <summary>A required key that is not set.</summary>
    Missing,

    /// <summary>A file the options name that cannot be used (read, parsed, decrypted).</summary>
    File,
}

/// <summary>One problem with the configuration, naming its [section] key; never holds a secret's value.</summary>
/// <param name="Section">Null for a problem with the whole file.</param>
public sealed record ConfigError(string? Section, string? Key, string Message, ConfigProblem Problem = ConfigProblem.Invalid)
{
    public static ConfigError Whole(string message) => new(null, null, message);

    public override string ToString() => Section is null ? Message : $"[{Section}] {Key}: {Message}";
}
