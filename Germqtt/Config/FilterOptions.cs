namespace Germqtt.Config;

/// <summary>[filter]: which events reach the bus, and what of them. Applied before the buffer.</summary>
/// <param name="IncludeProjects">When not empty, only projects matching one of these globs.</param>
/// <param name="ExcludeRefs">ref-updated events for refs matching these globs are dropped.</param>
/// <param name="PublishPrivate">Publish events of private changes too (off: the bus is public).</param>
/// <param name="RedactFields">JSON members removed wherever they occur, e.g. email.</param>
public sealed record FilterOptions(
    IReadOnlyList<string> IncludeProjects,
    IReadOnlyList<string> ExcludeProjects,
    IReadOnlyList<string> ExcludeRefs,
    bool PublishPrivate,
    IReadOnlyList<string> RedactFields);
