namespace Germqtt.Host;

/// <summary>
/// Every line an operator reads. One line per record on stderr: under systemd (JOURNAL_STREAM set)
/// with a syslog priority prefix and no timestamp, since the journal adds both; otherwise with an
/// ISO timestamp and a level word. Messages never take a secret as an argument.
/// </summary>
public sealed class Log(LogLevel minimum, TextWriter writer, bool journal, Func<DateTimeOffset> clock)
{
    private readonly Lock _gate = new();

    public static Log ForProcess(LogLevel minimum) =>
        new(minimum, Console.Error, Environment.GetEnvironmentVariable("JOURNAL_STREAM") is { Length: > 0 },
            () => DateTimeOffset.UtcNow);

    /// <summary>Writes nothing: for work whose outcome is reported another way (--check).</summary>
    public static Log Silent { get; } = new(LogLevel.Error + 1, TextWriter.Null, false, () => default);

    public bool IsEnabled(LogLevel level) => level >= minimum;

    public void Debug(string message) => Write(LogLevel.Debug, message);
    public void Info(string message) => Write(LogLevel.Info, message);
    public void Warning(string message) => Write(LogLevel.Warning, message);
    public void Error(string message) => Write(LogLevel.Error, message);

    public void Write(LogLevel level, string message)
    {
        if (!IsEnabled(level)) return;
        // A record is one journal entry: a multi-line exception text must not split it.
        message = message.ReplaceLineEndings(" ");
        string line = journal
            ? $"<{Priority(level)}>{message}"
            : $"{clock():yyyy-MM-ddTHH:mm:ss.fffZ} {Word(level)}: {message}";
        lock (_gate)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }

    private static int Priority(LogLevel level) => level switch
    {
        LogLevel.Debug => 7,
        LogLevel.Info => 6,
        LogLevel.Warning => 4,
        _ => 3,
    };

    private static string Word(LogLevel level) => level switch
    {
        LogLevel.Debug => "debug",
        LogLevel.Info => "info",
        LogLevel.Warning => "warning",
        _ => "error",
    };

    public static bool TryParseLevel(string? text, out LogLevel level)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "debug": level = LogLevel.Debug; return true;
            case "info": level = LogLevel.Info; return true;
            case "warning": level = LogLevel.Warning; return true;
            case "error": level = LogLevel.Error; return true;
            default: level = LogLevel.Info; return false;
        }
    }
}
