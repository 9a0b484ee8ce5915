using System.Text;

namespace Germqtt.Events;

/// <summary>
/// What happens to each line Gerrit sends, on the reader's thread: count it, parse what routing
/// needs, and pass it on: through the <see cref="GapKeeper"/> when gaps are watched (it may hold
/// live events while a catch-up publishes what came before them), else straight to the router.
/// Nothing here waits: a line that cannot go on is counted and logged, never fatal.
/// </summary>
public sealed class EventPipeline(GermqttOptions options, Log log, Counters counters, EventRouter router, GapKeeper? gaps = null)
{
    private const int PreviewBytes = 200;

    /// <summary>Splits a byte stream into the lines this pipeline takes, within [gerrit] max_event_size.</summary>
    public LineSplitter Lines() => new(options.Gerrit.MaxEventSize, OnLine, OnTooLong);

    public void OnLine(byte[] line)
    {
        counters.CountRead();
        if (!GerritEvent.TryParse(line, out var gerritEvent, out var problem))
        {
            counters.CountMalformed();
            log.Warning($"skipped a malformed event line ({problem}): {Preview(line)}");
            return;
        }
        if (gerritEvent!.Type == GapKeeper.DroppedOutput)
        {
            counters.CountDroppedOutput();
            log.Warning("gerrit reports dropped-output: its queue for this connection overflowed and events were lost");
        }
        if (gaps is null) router.Route(gerritEvent);
        else gaps.OnLive(gerritEvent);
    }

    /// <summary>A line longer than max_event_size: never held whole, so only its length is known.</summary>
    public void OnTooLong(long length)
    {
        counters.CountRead();
        counters.CountMalformed();
        log.Warning($"skipped an event line of {length} bytes: longer than [gerrit] max_event_size ({options.Gerrit.MaxEventSize} bytes)");
    }

    private static string Preview(byte[] line)
    {
        string text = Encoding.UTF8.GetString(line, 0, Math.Min(line.Length, PreviewBytes));
        return line.Length > PreviewBytes ? text + "…" : text;
    }
}
