using System.Diagnostics;

namespace Germqtt.Tests.Fixtures;

/// <summary>SSH private keys made with the real ssh-keygen, in each type and format germqtt reads.</summary>
public static class TestKeys
{
    /// <summary>Writes an unencrypted key to <paramref name="path"/> and its public half to path.pub.</summary>
    /// <param name="format">"" for OpenSSH's own format, "PEM" for the older one.</param>
    public static void Generate(string path, string type = "ed25519", string format = "")
    {
        string[] args = ["-q", "-t", type, "-N", "", "-C", "", "-f", path, .. format.Length > 0 ? new[] { "-m", format } : []];
        using var p = Process.Start(new ProcessStartInfo("ssh-keygen", args) { RedirectStandardOutput = true })!;
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.Zero, "ssh-keygen");
    }
}
