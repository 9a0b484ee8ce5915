using System.Globalization;

namespace Germqtt.Tests.Fixtures;

/// <summary>
/// Sessions that lose events, as Gerrit's do when a connection's queue of 128 overflows: the events
/// are made (the events log has them) but the session never sends them, and before the next line it
/// does send comes <c>{"type":"dropped-output","eventCreatedOn":…}</c> (scripts/test-gerrit-follow).
/// </summary>
public sealed partial class TestGerrit
{
    private string LossyPath => Path.Combine(Dir, "lossy");
    private string DropOutputPath => Path.Combine(Dir, "drop_output");

    /// <summary>
    /// Stream-events sessions started from now on can lose events (they run test-gerrit-follow
    /// instead of tail); sessions already running cannot.
    /// </summary>
    public void MakeSessionsLossy() => File.WriteAllText(LossyPath, "");

    /// <summary>
    /// Every lossy session loses each line appended to the feed from now until
    /// <see cref="StopDroppingOutput"/>, however late it reads it. Fails if a session that cannot
    /// lose events is running: it would deliver them all.
    /// </summary>
    public void StartDroppingOutput()
    {
        var plain = LiveStreamSessions().Where(pid => !IsLossy(pid)).ToList();
        if (plain.Count > 0)
            throw new InvalidOperationException(
                $"sessions [{string.Join(", ", plain)}] started before MakeSessionsLossy and cannot drop output\n{Describe()}");
        var stretches = DropStretches();
        if (stretches.Count > 0 && !stretches[^1].Contains(' ')) return;
        WriteDropStretches([.. stretches, FeedLength().ToString(CultureInfo.InvariantCulture)]);
    }

    /// <summary>Lines appended from now on are sent again; a lossy session says dropped-output before the first of them.</summary>
    public void StopDroppingOutput()
    {
        var stretches = DropStretches();
        if (stretches.Count == 0 || stretches[^1].Contains(' ')) return;
        stretches[^1] += " " + FeedLength().ToString(CultureInfo.InvariantCulture);
        WriteDropStretches(stretches);
    }

    private static bool IsLossy(int pid) => Posix.CommandLine(pid).Contains("/test-gerrit-follow\0", StringComparison.Ordinal);

    private long FeedLength() => new FileInfo(FeedPath).Length;

    /// <summary>"START END" per stretch already closed, "START" for the one still open.</summary>
    private List<string> DropStretches() =>
        [.. SharedFile.ReadAllText(DropOutputPath).Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    // Replaced whole, so a session never reads half a stretch.
    private void WriteDropStretches(List<string> stretches)
    {
        File.WriteAllText(DropOutputPath + ".tmp", string.Concat(stretches.Select(s => s + "\n")));
        File.Move(DropOutputPath + ".tmp", DropOutputPath, overwrite: true);
    }
}
