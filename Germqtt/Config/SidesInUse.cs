namespace Germqtt.Config;

/// <summary>
/// The sides a run connects to: Gerrit unless --stdin, the broker unless --dry-run. The keys and
/// files only a side needs are not asked for when it is not in use.
/// </summary>
public sealed record SidesInUse(bool Gerrit, bool Broker)
{
    public static SidesInUse Both { get; } = new(true, true);

    /// <summary>With neither side (--stdin --dry-run) everything has a default: the file may be absent.</summary>
    public bool NeedsFile => Gerrit || Broker;
}
