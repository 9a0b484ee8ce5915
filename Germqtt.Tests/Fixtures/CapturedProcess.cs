using System.Diagnostics;

namespace Germqtt.Tests.Fixtures;

/// <summary>
/// A long-running child process (germqtt, an ssh client) whose stdout and stderr lines are
/// captured live, so a test can wait for a line instead of sleeping.
/// </summary>
public class CapturedProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly string name;
    private readonly List<(bool IsError, string Text)> lines = [];
    private readonly ChangeSignal changed = new();

    /// <param name="keepInput">Leave standard input open for the test to write (see <see cref="Input"/>).</param>
    protected CapturedProcess(ProcessStartInfo psi, string name, bool keepInput = false)
    {
        this.name = name;
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Add(false, e.Data);
        process.ErrorDataReceived += (_, e) => Add(true, e.Data);
        process.Start();
        // Closed unless asked for, so the child never waits on the test for input.
        if (!keepInput) process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => process.Id;

    /// <summary>The child's standard input, when started with it kept open; closing it is end of input.</summary>
    public Stream Input => process.StandardInput.BaseStream;
    public bool HasExited => process.HasExited;
    public int? ExitCode => process.HasExited ? process.ExitCode : null;

    /// <summary>stdout and stderr lines together, in the order they were read.</summary>
    public IReadOnlyList<string> Output => Snapshot(_ => true);
    public IReadOnlyList<string> StdOut => Snapshot(l => !l.IsError);
    public IReadOnlyList<string> StdErr => Snapshot(l => l.IsError);

    /// <summary>
    /// Starts <paramref name="fileName"/> with <paramref name="arguments"/> (no shell).
    /// <paramref name="environment"/> entries are added to the inherited environment; a null value removes one.
    /// </summary>
    public static CapturedProcess Start(
        string fileName,
        IEnumerable<string> arguments,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null) =>
        new(StartInfo(fileName, arguments, workingDirectory, environment), Path.GetFileName(fileName));

    protected static ProcessStartInfo StartInfo(
        string fileName,
        IEnumerable<string> arguments,
        string? workingDirectory,
        IReadOnlyDictionary<string, string?>? environment)
    {
        var psi = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory ?? "" };
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) psi.Environment.Remove(key);
            else psi.Environment[key] = value;
        }
        return psi;
    }

    /// <summary>Waits for a line (from either stream) that <paramref name="match"/> accepts and returns it.</summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> match, TimeSpan timeout, string? what = null)
    {
        string? found = null;
        bool Seen() => (found = Output.FirstOrDefault(match)) is not null;
        if (await changed.WaitUntilAsync(Seen, timeout)) return found!;
        Assert.Fail($"{name} did not print {what ?? "the expected line"} within {timeout.TotalSeconds:0.###} s"
                    + Environment.NewLine + Transcript());
        return "";
    }

    /// <summary>Like <see cref="WaitForOutputAsync"/>, but says false instead of failing when no such line came in time.</summary>
    public Task<bool> PrintedWithinAsync(Func<string, bool> match, TimeSpan timeout) =>
        changed.WaitUntilAsync(() => Output.Any(match), timeout);

    /// <summary>Waits for the process to exit and its output to be read to the end; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{name} (pid {Pid}) did not exit within {timeout.TotalSeconds:0.###} s"
                        + Environment.NewLine + Transcript());
        }
        return process.ExitCode;
    }

    /// <summary>Sends a signal, e.g. <see cref="Signals.SIGTERM"/> for a clean stop.</summary>
    public void Signal(int signal) => Posix.Kill(Pid, signal);

    public void Kill()
    {
        if (process.HasExited) return;
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    /// <summary>Everything printed so far, each line marked with the stream it came from.</summary>
    public string Transcript()
    {
        lock (lines)
        {
            return $"--- {name} pid {process.Id}, exit code {(process.HasExited ? process.ExitCode : "(running)")} ---"
                   + string.Concat(lines.Select(l => $"{Environment.NewLine}{(l.IsError ? "err" : "out")}| {l.Text}"));
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        process.Dispose();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private void Add(bool isError, string? text)
    {
        if (text is null) return;  // end of stream
        lock (lines) lines.Add((isError, text));
        changed.Fire();
    }

    private List<string> Snapshot(Func<(bool IsError, string Text), bool> which)
    {
        lock (lines) return lines.Where(which).Select(l => l.Text).ToList();
    }
}
