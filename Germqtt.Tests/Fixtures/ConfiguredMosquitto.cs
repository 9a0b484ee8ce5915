using System.Collections.Concurrent;
using System.Diagnostics;

namespace Germqtt.Tests.Fixtures;

/// <summary>
/// mosquitto started from a configuration file written elsewhere (by Puppet), unlike
/// <see cref="Mosquitto"/>, which writes its own. Waits until it accepts TCP on <see cref="Port"/>.
/// </summary>
public sealed class ConfiguredMosquitto : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> console;
    private readonly Process process;

    private ConfiguredMosquitto(Process process, string configPath, int port, string? logPath, ConcurrentQueue<string> console)
    {
        this.process = process;
        this.console = console;
        ConfigPath = configPath;
        Port = port;
        LogPath = logPath;
    }

    public static string Host => "127.0.0.1";
    public int Port { get; }
    public string ConfigPath { get; }
    public string? LogPath { get; }
    public bool IsRunning => !process.HasExited;

    public static async Task<ConfiguredMosquitto> StartAsync(string configPath, int port, string? logPath = null)
    {
        var console = new ConcurrentQueue<string>();
        var started = await MosquittoLauncher.StartAsync(configPath, port, console,
            p => Describe(configPath, p, console, logPath));
        return new ConfiguredMosquitto(started, configPath, port, logPath, console);
    }

    public string Log() => SharedFile.ReadAllText(LogPath);

    public string Describe() => Describe(ConfigPath, process, console, LogPath);

    private static string Describe(string configPath, Process p, ConcurrentQueue<string> console, string? logPath) =>
        $"mosquitto -c {configPath} pid {p.Id} running: {!p.HasExited}\n--- console ---\n{string.Join('\n', console)}"
        + (logPath is null ? "" : $"\n--- {logPath} (last 40 lines) ---\n{string.Join('\n', SharedFile.ReadAllText(logPath).Split('\n').TakeLast(40))}");

    /// <summary>SIGTERM, then waits: a clean shutdown, as `systemctl restart` begins one, which saves the persistence file when one is configured.</summary>
    public async Task StopAsync()
    {
        if (process.HasExited) return;
        Posix.Kill(process.Id, Signals.SIGTERM);
        using var timeout = new CancellationTokenSource(MosquittoLauncher.StartTimeout);
        await process.WaitForExitAsync(timeout.Token);
    }

    public ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit();
        }
        process.Dispose();
        return ValueTask.CompletedTask;
    }
}
