using System.Text.RegularExpressions;

namespace Germqtt.Events;

/// <summary>
/// [filter]: decides, before the buffer, whether an event goes on the bus. Private changes stay
/// off a public bus unless publish_private says otherwise. Project globs do not apply to events
/// without a project (dropped-output, heartbeat): those are about the stream itself.
/// </summary>
public sealed class EventFilter(FilterOptions options)
{
    private readonly Regex? _include = Glob(options.IncludeProjects);
    private readonly Regex? _exclude = Glob(options.ExcludeProjects);
    private readonly Regex? _refs = Glob(options.ExcludeRefs);

    public Verdict Decide(GerritEvent e)
    {
        if (e.IsPrivate && !options.PublishPrivate) return Verdict.Private;
        if (e.Project is { } project && (_include?.IsMatch(project) == false || _exclude?.IsMatch(project) == true))
            return Verdict.Filtered;
        if (e.Type == "ref-updated" && e.RefName is { } refName && _refs?.IsMatch(refName) == true)
            return Verdict.Filtered;
        return Verdict.Publish;
    }

    /// <summary>Shell-style globs, whole-string: * is any run of characters (slashes too), ? is one.</summary>
    private static Regex? Glob(IReadOnlyList<string> patterns) => patterns.Count == 0
        ? null
        : new Regex("^(?:" + string.Join("|", patterns.Select(p => Regex.Escape(p).Replace(@"\*", ".*").Replace(@"\?", "."))) + ")$",
            RegexOptions.CultureInvariant | RegexOptions.Singleline);
}
