using System.Text;

namespace Germqtt;

/// <summary>
/// &lt;base&gt;/&lt;project&gt;/&lt;type&gt;. Slashes in a project name stay topic levels; an event
/// without a project gets an empty level (&lt;base&gt;//&lt;type&gt;), as the original germqtt did.
/// </summary>
public static class TopicMapper
{
    /// <summary>The MQTT limit on a topic's encoded length.</summary>
    public const int MaxTopicBytes = 65_535;

    public static string Map(string baseTopic, GerritEvent gerritEvent) =>
        $"{baseTopic}/{Escape(gerritEvent.Project ?? "")}/{Escape(gerritEvent.Type)}";

    /// <summary>
    /// A published topic may not hold the wildcards + and # or NUL (MQTT 3.1.1 §4.7); they are written
    /// as %2B, %23 and %00. Everything else, '%' included, passes unchanged, so the common case costs nothing.
    /// </summary>
    public static string Escape(string level)
    {
        if (level.AsSpan().IndexOfAny('+', '#', '\0') < 0) return level;
        var escaped = new StringBuilder(level.Length + 8);
        foreach (char c in level)
        {
            switch (c)
            {
                case '+': escaped.Append("%2B"); break;
                case '#': escaped.Append("%23"); break;
                case '\0': escaped.Append("%00"); break;
                default: escaped.Append(c); break;
            }
        }
        return escaped.ToString();
    }

    public static bool FitsMqtt(string topic) => Encoding.UTF8.GetByteCount(topic) <= MaxTopicBytes;
}
