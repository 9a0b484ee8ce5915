using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;

namespace Germqtt.Tests.Fixtures;

/// <summary>
/// mosquitto started from a configuration file written elsewhere (by Puppet), unlike
/// <see cref="Mosquitto"/>, which writes its own. Waits until it accepts TCP on <see cref="Port"/>.
/// </summary>
public sealed class ConfiguredMosquitto : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private readonly ConcurrentQueue<string> console = new();
    private readonly Process process;

    private ConfiguredMosquitto(Process process, string configPath, int port, string? logPath)
    {
        this.process = process;
        ConfigPath = configPath;
        Port = port;
        LogPath = logPath;
    }

    public string Host => "127.0.0.1";
    public int Port { get; }
    public string ConfigPath { get; }
    public string? LogPath { get; }
    public bool IsRunning => !process.HasExited;

    public static async Task<ConfiguredMosquitto> StartAsync(string configPath, int port, string? logPath = null)
    {
        var psi = new ProcessStartInfo(PuppetTools.Require("mosquitto"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(configPath);
        var started = Process.Start(psi) ?? throw new InvalidOperationException("could not start mosquitto");
        var broker = new ConfiguredMosquitto(started, configPath, port, logPath);
        started.OutputDataReceived += (_, e) => { if (e.Data is not null) broker.console.Enqueue(e.Data); };
        started.ErrorDataReceived += (_, e) => { if (e.Data is not null) broker.console.Enqueue(e.Data); };
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();

        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (started.HasExited)
            {
                await started.WaitForExitAsync();
                string why = $"mosquitto -c {configPath} exited with {started.ExitCode} during start-up\n{broker.Describe()}";
                await broker.DisposeAsync();
                throw new InvalidOperationException(why);
            }
            if (await AcceptsAsync(port)) return broker;
            await Task.Delay(20);
        }
        string timeout = $"mosquitto -c {configPath} did not listen on 127.0.0.1:{port} within {StartTimeout}\n{broker.Describe()}";
        await broker.DisposeAsync();
        throw new TimeoutException(timeout);
    }

    public string Log()
    {
        if (LogPath is null || !File.Exists(LogPath)) return "";
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd();
    }

    public string Describe() =>
        $"mosquitto -c {ConfigPath} pid {process.Id} running: {IsRunning}\n--- console ---\n{string.Join('\n', console)}"
        + (LogPath is null ? "" : $"\n--- {LogPath} (last 40 lines) ---\n{string.Join('\n', Log().Split('\n').TakeLast(40))}");

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

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.ConnectAsync("127.0.0.1", port, cts.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}
