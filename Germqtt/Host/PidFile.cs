namespace Germqtt.Host;

/// <summary>[default] pidfile: holds our process id while we run, for init scripts that want it.</summary>
public sealed class PidFile : IDisposable
{
    private readonly string? _path;

    private PidFile(string? path) => _path = path;

    /// <summary>Writes the file; a path that cannot be written is a configuration error.</summary>
    public static PidFile Create(string? path)
    {
        try
        {
            if (path is not null) File.WriteAllText(path, $"{Environment.ProcessId}\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([new("default", "pidfile", $"cannot write {path}: {e.Message.TrimEnd('.')}", ConfigProblem.File)]);
        }
        return new PidFile(path);
    }

    public void Dispose()
    {
        if (_path is null) return;
        try { File.Delete(_path); }
        catch (IOException) { /* exiting anyway; a stale pid file is harmless with a live-pid check */ }
        catch (UnauthorizedAccessException) { }
    }
}
