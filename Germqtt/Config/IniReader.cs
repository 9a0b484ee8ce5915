using System.Globalization;

namespace Germqtt.Config;

/// <summary>
/// Typed reads of "section:key" values that collect one message per problem instead of throwing,
/// so a user sees every mistake in one run. Remembers which keys were asked for, to name typos.
/// </summary>
internal sealed class IniReader(IDictionary<string, string?> ini, string home, string workingDirectory, Func<string, string?> environment)
{
    /// <summary>The environment the paths and secrets are read with.</summary>
    public Func<string, string?> Environment => environment;

    private readonly Dictionary<string, string?> _values = new(ini, StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _known = new(StringComparer.OrdinalIgnoreCase);

    public List<ConfigError> Errors { get; } = [];

    /// <summary>Every "section:key" asked for so far.</summary>
    public IReadOnlyCollection<string> Known => _known;

    public string? Optional(string section, string key)
    {
        _known.Add($"{section}:{key}");
        return _values.TryGetValue($"{section}:{key}", out var v) && !string.IsNullOrEmpty(v) ? v : null;
    }

    public string Required(string section, string key)
    {
        var value = Optional(section, key);
        if (value is null) Errors.Add(new(section, key, "is required", ConfigProblem.Missing));
        return value ?? "";
    }

    public int Int(string section, string key, int fallback, int min, int max)
    {
        var text = Optional(section, key);
        if (text is null) return fallback;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max)
            return value;
        Errors.Add(new(section, key, $"must be a whole number from {min} to {max} (got '{text}')"));
        return fallback;
    }

    public TimeSpan Seconds(string section, string key, double fallback, double min, double max = 86_400 * 365)
    {
        var text = Optional(section, key);
        if (text is null) return TimeSpan.FromSeconds(fallback);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= min && value <= max)
            return TimeSpan.FromSeconds(value);
        Errors.Add(new(section, key, $"must be a number of seconds from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)} (got '{text}')"));
        return TimeSpan.FromSeconds(fallback);
    }

    public RetryOptions Retry(string section)
    {
        var initial = Seconds(section, "retry_initial", 1, 0.001);
        var max = Seconds(section, "retry_max", 60, 0.001);
        if (max < initial)
            Errors.Add(new(section, "retry_max", $"must not be less than retry_initial (got {max.TotalSeconds.ToString(CultureInfo.InvariantCulture)} < {initial.TotalSeconds.ToString(CultureInfo.InvariantCulture)})"));
        return new RetryOptions(initial, max);
    }

    public string? OptionalPath(string section, string key) =>
        Optional(section, key) is { } p ? Path(section, key, p) : null;

    public string PathOr(string section, string key, string fallback) =>
        Path(section, key, Optional(section, key) ?? fallback);

    public string RequiredPath(string section, string key) =>
        Path(section, key, Required(section, key));

    private string Path(string section, string key, string path)
    {
        const string credentials = "$CREDENTIALS_DIRECTORY/";
        if (path.StartsWith(credentials, StringComparison.Ordinal))
        {
            // systemd's LoadCredential= puts files there; the directory is known only at run time.
            if (environment("CREDENTIALS_DIRECTORY") is not { Length: > 0 } directory)
            {
                Errors.Add(new(section, key, $"uses $CREDENTIALS_DIRECTORY, which is not set (no LoadCredential= in the unit?)"));
                return path;
            }
            path = System.IO.Path.Combine(directory, path[credentials.Length..]);
        }
        return PathRules.Expand(path, home, workingDirectory);
    }

    /// <summary>An absolute http or https URL, or null when not set.</summary>
    public Uri? HttpUrl(string section, string key)
    {
        var text = Optional(section, key);
        if (text is null) return null;
        bool parsed = Uri.TryCreate(text, UriKind.Absolute, out var url);
        if (parsed && url!.UserInfo.Length > 0)
        {
            // The value is not echoed: what precedes '@' may well be the password.
            Errors.Add(new(section, key, "must not hold a user name or password: set http_username and http_password (or http_password_file) instead"));
            return null;
        }
        if (parsed && url!.Scheme is "http" or "https" && url.Host.Length > 0 && url.Query.Length == 0 && url.Fragment.Length == 0)
            return url;
        Errors.Add(new(section, key, $"must be an http:// or https:// URL without user, query or fragment (got '{text}')"));
        return null;
    }

    /// <summary>An IANA time zone name such as UTC or Europe/Berlin.</summary>
    public TimeZoneInfo TimeZone(string section, string key, string fallback)
    {
        var text = Optional(section, key) ?? fallback;
        if (TimeZoneInfo.TryFindSystemTimeZoneById(text, out var zone)) return zone;
        Errors.Add(new(section, key, $"must name a time zone of the system's time zone database, such as UTC or Europe/Berlin (got '{text}')"));
        return TimeZoneInfo.Utc;
    }

    public static readonly System.Text.RegularExpressions.Regex EventTypePattern = new("^[A-Za-z0-9-]+$");
    public static readonly System.Text.RegularExpressions.Regex MemberNamePattern = new("^[^\"\\\\]+$");

    /// <summary>A list separated by commas and/or white space; empty when not set.</summary>
    public IReadOnlyList<string> List(string section, string key, System.Text.RegularExpressions.Regex? rule = null, string? ruleName = null)
    {
        var items = (Optional(section, key) ?? "").Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        foreach (var bad in items.Where(i => rule is not null && !rule.IsMatch(i)))
            Errors.Add(new(section, key, $"must list {ruleName} (got '{bad}')"));
        return items;
    }

    public bool Bool(string section, string key, bool fallback)
    {
        var text = Optional(section, key);
        switch (text?.ToLowerInvariant())
        {
            case null: return fallback;
            case "true" or "yes" or "on" or "1": return true;
            case "false" or "no" or "off" or "0": return false;
            default:
                Errors.Add(new(section, key, $"must be true or false (got '{text}')"));
                return fallback;
        }
    }

    public T Choice<T>(string section, string key, T fallback, params (string Name, T Value)[] choices)
    {
        var text = Optional(section, key);
        if (text is null) return fallback;
        foreach (var (name, value) in choices)
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase)) return value;
        Errors.Add(new(section, key, $"must be one of {string.Join(", ", choices.Select(c => c.Name))} (got '{text}')"));
        return fallback;
    }

    public string WebSocketPath(string section, string key, string fallback)
    {
        var path = Optional(section, key) ?? fallback;
        if (!path.StartsWith('/') || path.Any(char.IsWhiteSpace))
            Errors.Add(new(section, key, $"must start with '/' and hold no spaces (got '{path}')"));
        return path;
    }

    public string BaseTopic(string section, string key, string fallback)
    {
        var topic = Optional(section, key) ?? fallback;
        if (topic.IndexOfAny(['+', '#', '\0']) >= 0)
            Errors.Add(new(section, key, $"must not contain the MQTT wildcards + or # (got '{topic}')"));
        else if (topic.EndsWith('/'))
            Errors.Add(new(section, key, $"must not end with '/', levels are added after it (got '{topic}')"));
        return topic;
    }

    public string? Fingerprint(string section, string key)
    {
        var text = Optional(section, key);
        if (text is null) return null;
        if (text.StartsWith("SHA256:", StringComparison.Ordinal) && text.Length > 7) return text;
        Errors.Add(new(section, key, $"must be an OpenSSH SHA256 fingerprint like 'SHA256:…', as printed by ssh-keygen -lf (got '{text}')"));
        return null;
    }

    /// <summary>Flags keys nobody asked for: almost always a typo that would silently be ignored.</summary>
    public void RejectUnknownKeys()
    {
        foreach (var name in _values.Keys.Where(k => !_known.Contains(k)).Order(StringComparer.Ordinal))
        {
            int colon = name.LastIndexOf(':');
            Errors.Add(colon < 0
                ? ConfigError.Whole($"{name}: is outside any [section]")
                : new(name[..colon], name[(colon + 1)..], "unknown key"));
        }
    }
}
