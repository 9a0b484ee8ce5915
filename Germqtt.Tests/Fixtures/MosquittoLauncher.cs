using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;

namespace Germqtt.Tests.Fixtures;

/// <summary>
/// `mosquitto -c CONFIG` as a child process, ready once it accepts TCP on its port: the start-up
/// that <see cref="Mosquitto"/> (which writes its own config) and <see cref="ConfiguredMosquitto"/>
/// (which runs one written by Puppet) share.
/// </summary>
internal static class MosquittoLauncher
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Starts the broker, copying its stdout and stderr into <paramref name="console"/> (mosquitto
    /// writes start-up errors such as a bad config or a taken port there, before its log file
    /// opens). On failure the process is gone and the exception carries <paramref name="describe"/>.
    /// </summary>
    public static async Task<Process> StartAsync(string configPath, int port, ConcurrentQueue<string> console, Func<Process, string> describe)
    {
        var psi = new ProcessStartInfo(Binary())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(configPath);
        var started = Process.Start(psi) ?? throw new InvalidOperationException("could not start mosquitto");
        started.OutputDataReceived += (_, e) => { if (e.Data is not null) console.Enqueue(e.Data); };
        started.ErrorDataReceived += (_, e) => { if (e.Data is not null) console.Enqueue(e.Data); };
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();

        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (started.HasExited)
            {
                await started.WaitForExitAsync();   // lets the console readers finish
                string why = $"mosquitto -c {configPath} exited with {started.ExitCode} during start-up\n{describe(started)}";
                started.Dispose();
                throw new InvalidOperationException(why);
            }
            if (await AcceptsAsync(port)) return started;
            await Task.Delay(20);
        }
        started.Kill();
        await started.WaitForExitAsync();
        string timeout = $"mosquitto -c {configPath} did not listen on 127.0.0.1:{port} within {StartTimeout}\n{describe(started)}";
        started.Dispose();
        throw new TimeoutException(timeout);
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

    private static string Binary() => File.Exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";
}
