using System.Diagnostics;

namespace Germqtt.Tests.Fixtures;

public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr);

/// <summary>Runs short helper commands (scripts, mosquitto_pub, ssh) to completion.</summary>
public static class ProcessRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs <paramref name="fileName"/> with <paramref name="arguments"/> (no shell), stdin closed
    /// or fed from <paramref name="stdin"/>. Throws with both outputs on a timeout and, when
    /// <paramref name="check"/> is set, on a non-zero exit.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan? timeout = null,
        bool check = true,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        byte[]? stdin = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>()) psi.Environment[key] = value;

        using var process = Process.Start(psi)
                            ?? throw new InvalidOperationException($"could not start {fileName}");
        string commandLine = string.Join(' ', [fileName, .. psi.ArgumentList]);

        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            try
            {
                await process.StandardInput.BaseStream.WriteAsync(stdin);
            }
            catch (IOException)
            {
                // The command exited without reading everything; its exit code tells the story.
            }
        }
        process.StandardInput.Close();

        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException(
                $"`{commandLine}` did not finish within {(timeout ?? DefaultTimeout).TotalSeconds} s"
                + Describe(await stdout, await stderr));
        }

        var result = new ProcessResult(process.ExitCode, await stdout, await stderr);
        if (check && result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"`{commandLine}` exited with {result.ExitCode}" + Describe(result.StdOut, result.StdErr));
        }
        return result;
    }

    private static string Describe(string stdout, string stderr) =>
        $"{Environment.NewLine}--- stdout ---{Environment.NewLine}{stdout}"
        + $"--- stderr ---{Environment.NewLine}{stderr}";
}
