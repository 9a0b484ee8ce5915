namespace Germqtt.Config;

/// <summary>
/// Where the secrets come from, first found wins: the environment variable
/// (GERMQTT_MQTT_PASSWORD, GERMQTT_KEY_PASSPHRASE, GERMQTT_HTTP_PASSWORD), then the *_file key, then the inline key.
/// A file may live in systemd's credentials directory ($CREDENTIALS_DIRECTORY/name).
/// Messages name the key and the file, never the value.
/// </summary>
internal static class Secrets
{
    public const string PasswordVariable = "GERMQTT_MQTT_PASSWORD";
    public const string PassphraseVariable = "GERMQTT_KEY_PASSPHRASE";
    public const string HttpPasswordVariable = "GERMQTT_HTTP_PASSWORD";

    public static GermqttOptions Resolve(GermqttOptions o, Func<string, string?> environment, List<ConfigError> errors)
    {
        string? password = One(environment(PasswordVariable), o.Mqtt.PasswordFile, o.Mqtt.Password, "mqtt", "password", errors);
        string? passphrase = One(environment(PassphraseVariable), o.Gerrit.KeyPassphraseFile, o.Gerrit.KeyPassphrase, "gerrit", "key_passphrase", errors);
        var eventsLog = o.Gerrit.EventsLog;
        if (eventsLog is not null)
        {
            string? http = One(environment(HttpPasswordVariable), eventsLog.PasswordFile, eventsLog.Password, "gerrit", "http_password", errors);
            // Gerrit's /a/ REST paths take no anonymous caller: without the password every catch-up would fail.
            // A file that was named but could not be read is reported as such, not as a missing key.
            if (http is null && eventsLog.PasswordFile is null)
                errors.Add(new("gerrit", "http_password", $"is required when http_url is set (or http_password_file, or ${HttpPasswordVariable})", ConfigProblem.Missing));
            eventsLog = eventsLog with { Password = http };
        }
        return o with
        {
            Mqtt = o.Mqtt with { Password = password },
            Gerrit = o.Gerrit with { KeyPassphrase = passphrase, EventsLog = eventsLog },
        };
    }

    /// <summary>Whether a secret is given at all, wherever from: the rules about it apply alike.</summary>
    public static bool PasswordGiven(MqttOptions o, Func<string, string?> environment) =>
        (o.Password ?? o.PasswordFile) is not null || !string.IsNullOrEmpty(environment(PasswordVariable));

    private static string? One(string? fromEnvironment, string? file, string? inline, string section, string key, List<ConfigError> errors)
    {
        if (file is not null && inline is not null)
            errors.Add(new(section, $"{key}_file", $"set either {key} or {key}_file, not both"));
        if (!string.IsNullOrEmpty(fromEnvironment)) return fromEnvironment;
        if (file is null) return inline;
        try
        {
            // One line; the newline an editor or `echo` adds is not part of the secret.
            return File.ReadAllText(file).TrimEnd('\r', '\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(new(section, $"{key}_file", $"cannot read {file}: {e.Message.TrimEnd('.')}", ConfigProblem.File));
            return null;
        }
    }
}
