namespace Germqtt.Config;

/// <summary>[gerrit] http_*: Gerrit's events-log plugin, read to catch up what the stream missed.</summary>
/// <param name="Url">Gerrit's web URL; the plugin answers under &lt;url&gt;/a/plugins/events-log/events/.</param>
/// <param name="Username">The account's HTTP user name (default: [gerrit] username).</param>
/// <param name="Password">Resolved at load from the environment, http_password_file or http_password.</param>
/// <param name="TimeZone">The Gerrit server's time zone: the plugin reads its dates as local time there.</param>
/// <param name="CatchUpMax">The longest stretch replayed; anything older is announced as not recovered.</param>
public sealed record EventsLogOptions(
    Uri Url,
    string Username,
    string? Password,
    string? PasswordFile,
    TimeZoneInfo TimeZone,
    TimeSpan CatchUpMax)
{
    // Records print every member; the password must never reach a log line that way.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Url = {Url}, Username = {Username}, Password = {(Password is null ? "" : "***")}, ");
        builder.Append($"TimeZone = {TimeZone.Id}, CatchUpMax = {CatchUpMax}");
        return true;
    }
}
