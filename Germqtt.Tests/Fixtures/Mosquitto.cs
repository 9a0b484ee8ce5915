using System.Collections.Concurrent;
using System.Diagnostics;

namespace Germqtt.Tests.Fixtures;

/// <summary>
/// A real mosquitto broker on a loopback port, run as a child process from a config in a
/// temp dir. Kill, freeze and restart it to break the bridge's MQTT side on purpose.
/// </summary>
public sealed class Mosquitto : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> console = new();
    private Process? process;

    private Mosquitto(string dir, int port)
    {
        Dir = dir;
        Port = port;
    }

    public static string Host => "127.0.0.1";
    public int Port { get; }
    public string Dir { get; }
    public string ConfigPath => Path.Combine(Dir, "mosquitto.conf");
    public string LogPath => Path.Combine(Dir, "mosquitto.log");
    public int Pid => process?.Id ?? throw new InvalidOperationException("mosquitto was never started");
    public bool IsRunning => process is { HasExited: false };

    /// <summary>Starts a broker that allows anonymous clients; <paramref name="extraConfig"/> is appended verbatim.</summary>
    public static async Task<Mosquitto> StartAsync(string extraConfig = "")
    {
        string dir = Directory.CreateTempSubdirectory("germqtt-mosquitto-").FullName;
        // FreePort can lose a race with another process; a fresh port usually wins the next try.
        for (int attempt = 1; ; attempt++)
        {
            var broker = new Mosquitto(dir, FreePort.Next());
            File.WriteAllText(broker.ConfigPath, Config(broker.Port, broker.LogPath, extraConfig));
            try
            {
                await broker.LaunchAsync();
                return broker;
            }
            catch (Exception e) when (attempt < 3 && e.Message.Contains("Address already in use"))
            {
                broker.Kill();
                File.Delete(broker.LogPath);
            }
            catch (Exception)
            {
                await broker.DisposeAsync();
                throw;
            }
        }
    }

    private static string Config(int port, string logPath, string extraConfig)
    {
        // Started as root, mosquitto switches to user "mosquitto", which cannot write into a
        // 0700 temp dir; "user root" keeps it as is. Other users are not switched anyway.
        string user = Environment.UserName == "root" ? "user root\n" : "";
        return user
               + $"listener {port} 127.0.0.1\n"
               + "allow_anonymous true\n"
               + "persistence false\n"
               + $"log_dest file {logPath}\n"
               + "log_type all\n"
               + "log_timestamp_format %Y-%m-%dT%H:%M:%S\n"
               + extraConfig + (extraConfig.EndsWith('\n') || extraConfig.Length == 0 ? "" : "\n");
    }

    /// <summary>SIGKILL, then waits for the process to be gone: a crash, not a shutdown.</summary>
    public void Kill()
    {
        if (process is null || process.HasExited) return;
        process.Kill();
        process.WaitForExit();
    }

    /// <summary>SIGTERM, then waits: a clean shutdown, which writes the persistence file when one is configured.</summary>
    public async Task StopAsync()
    {
        if (process is null || process.HasExited) return;
        Posix.Kill(process.Id, Signals.SIGTERM);
        using var timeout = new CancellationTokenSource(MosquittoLauncher.StartTimeout);
        await process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>Starts the broker again on the same port with the same config (killing it first if it runs).</summary>
    public async Task RestartAsync()
    {
        Kill();
        await LaunchAsync();
    }

    /// <summary>SIGSTOP: connections stay open, nothing is answered; only keepalives can tell.</summary>
    public void Freeze() => Posix.Kill(Pid, Signals.SIGSTOP);

    public void Thaw() => Posix.Kill(Pid, Signals.SIGCONT);

    public string Log() => SharedFile.ReadAllText(LogPath);

    public string Describe() => Describe(process);

    private string Describe(Process? p) =>
        $"mosquitto {Host}:{Port} pid {p?.Id} running: {p is { HasExited: false }}\n"
        + $"--- console ---\n{string.Join('\n', console)}\n--- {LogPath} ---\n{Log()}";

    public ValueTask DisposeAsync()
    {
        Kill();
        process?.Dispose();
        if (Directory.Exists(Dir)) Directory.Delete(Dir, recursive: true);
        return ValueTask.CompletedTask;
    }

    private async Task LaunchAsync()
    {
        process?.Dispose();
        process = null;
        process = await MosquittoLauncher.StartAsync(ConfigPath, Port, console, Describe);
    }
}
