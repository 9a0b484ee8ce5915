// Synthetic Gerrit events for scripts/bench, and the feed file they are written to.
using System.Buffers.Text;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

/// <summary>
/// Every event of one run, back to back as they go into the feed (one line each), with a suffix
/// <c>,"seq":NNNNNNNNNN,"emittedAt":NNNNNNNNNNNNNNNNNNN}</c> whose digits are overwritten in place:
/// the seq per run, the time when the line is written. Fixed widths keep the bytes (and so the
/// comparison at the subscriber) exact without re-encoding anything.
/// </summary>
sealed partial class EventFeed
{
    public const int SeqDigits = 10, TimeDigits = 19;
    const string SeqKey = ",\"seq\":", TimeKey = ",\"emittedAt\":";
    public const int SuffixLength = 7 + SeqDigits + 13 + TimeDigits + 1;

    public readonly byte[] Bytes;
    public readonly int[] Start; // Start[i]..Start[i+1]-1 is line i plus its '\n'
    public readonly string[] Project, Type;
    public int Count => Project.Length;

    public EventFeed(int count, int seed)
    {
        var gen = new EventGenerator(seed);
        var lines = new List<byte[]>(count);
        Project = new string[count];
        Type = new string[count];
        for (int i = 0; i < count; i++) lines.Add(gen.Next(out Project[i], out Type[i]));
        Start = new int[count + 1];
        long total = 0;
        foreach (var line in lines) total += line.Length - 2 + SuffixLength + 1;
        Bytes = new byte[total];
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            Start[i] = at;
            var line = lines[i];
            line.AsSpan(0, line.Length - 2).CopyTo(Bytes.AsSpan(at)); // without the closing "}\n"
            at += line.Length - 2;
            at += Encoding.ASCII.GetBytes(SeqKey + new string('0', SeqDigits) + TimeKey + new string('0', TimeDigits) + "}\n", Bytes.AsSpan(at));
        }
        Start[count] = at;
    }

    /// <summary>The payload germqtt must publish: line i without its newline.</summary>
    public ReadOnlySpan<byte> Line(int i) => Bytes.AsSpan(Start[i], Start[i + 1] - Start[i] - 1);

    public long TotalBytes(int from, int to) => Start[to] - Start[from];

    public void SetSeq(int i, long seq) => Digits(seq, Start[i + 1] - 1 - SuffixLength + 7, SeqDigits);

    public void SetEmittedAt(int i, long unixNs) => Digits(unixNs, Start[i + 1] - 1 - 1 - TimeDigits, TimeDigits);

    /// <summary>
    /// Rewrites event i's eventCreatedOn, in place: the generator writes it last, just before the
    /// suffix, with ten digits (any Unix time from 2001 to 2286 has ten).
    /// </summary>
    public void SetCreatedOn(int i, long unixSeconds)
    {
        int at = Start[i + 1] - 1 - SuffixLength - 10;
        if (!Bytes.AsSpan(at - 17, 17).SequenceEqual("\"eventCreatedOn\":"u8))
            throw new InvalidOperationException($"event {i} does not end with its eventCreatedOn");
        Digits(unixSeconds, at, 10);
    }

    void Digits(long value, int at, int width)
    {
        if (!Utf8Formatter.TryFormat(value, Bytes.AsSpan(at, width), out int written, new System.Buffers.StandardFormat('D', (byte)width)) || written != width)
            throw new InvalidOperationException($"{value} does not fit {width} digits");
    }

    /// <summary>
    /// Event i as `[filter] redact_fields = email` must publish it, without the suffix: the
    /// generator writes every email between a name and a username, so removing the member and its
    /// leading comma is exactly what a redactor that keeps the rest byte for byte leaves.
    /// </summary>
    public byte[] RedactedBody(int i)
    {
        var body = Bytes.AsSpan(Start[i], Start[i + 1] - 1 - SuffixLength - Start[i]);
        return Encoding.UTF8.GetBytes(EmailMember().Replace(Encoding.UTF8.GetString(body), ""));
    }

    /// <summary>Whether a payload is event i with every email removed and everything else as emitted.</summary>
    public bool IsRedacted(int i, byte[] body, ReadOnlySpan<byte> payload) =>
        payload.Length == body.Length + SuffixLength
        && payload[..body.Length].SequenceEqual(body)
        && payload[body.Length..].SequenceEqual(Line(i)[^SuffixLength..]);

    [System.Text.RegularExpressions.GeneratedRegex(",\"email\":\"[^\"]*\"")]
    private static partial System.Text.RegularExpressions.Regex EmailMember();

    /// <summary>Reads the seq and emittedAt back from a received payload; false when it has no such suffix.</summary>
    public static bool TryReadSuffix(ReadOnlySpan<byte> payload, out long seq, out long emittedAt)
    {
        seq = emittedAt = 0;
        if (payload.Length < SuffixLength) return false;
        var suffix = payload[^SuffixLength..];
        return Utf8Parser.TryParse(suffix.Slice(7, SeqDigits), out seq, out int a) && a == SeqDigits
            && Utf8Parser.TryParse(suffix.Slice(7 + SeqDigits + 13, TimeDigits), out emittedAt, out int b) && b == TimeDigits;
    }
}

/// <summary>Appends to the test Gerrit's feed; each call is one write(2), as `test-gerrit emit` does.</summary>
sealed class FeedWriter(string path) : IDisposable
{
    readonly SafeFileHandle _handle = File.OpenHandle(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
    long _offset = new FileInfo(path).Length;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        RandomAccess.Write(_handle, bytes, _offset);
        _offset += bytes.Length;
    }

    public void Dispose() => _handle.Dispose();
}

/// <summary>
/// Shapes copied from real stream-events output (Germqtt.Tests/Data/samples.jsonl): a mix of
/// comment-added (CI reports of about 3 KB), patchset-created, ref-updated and change-merged over
/// 50 projects of one to four levels, one with '+' so that topic escaping is exercised.
/// </summary>
sealed class EventGenerator(int seed)
{
    static readonly string[] Projects =
    [
        "openstack/nova", "openstack/neutron", "openstack/cinder", "openstack/keystone", "openstack/glance",
        "openstack/horizon", "openstack/swift", "openstack/ironic", "openstack/heat", "openstack/octavia",
        "openstack/requirements", "openstack/project-config", "openstack/nova-specs", "openstack/tempest",
        "openstack/openstack-helm", "mediawiki/core", "mediawiki/extensions/VisualEditor", "mediawiki/extensions/Wikibase",
        "mediawiki/extensions/CirrusSearch", "mediawiki/skins/Vector", "mediawiki/services/parsoid", "operations/puppet",
        "operations/mediawiki-config", "integration/config", "labs/tools/wikibugs2", "qt/qtbase", "qt/qtdeclarative",
        "qt/qtwebengine", "qt/qt5", "qt/qtcreator", "chromiumos/platform/ec", "chromiumos/third_party/kernel",
        "chromiumos/overlays/board-overlays", "android/platform/frameworks/base", "android/platform/build/soong",
        "android/kernel/common", "gerrit", "plugins/replication", "plugins/webhooks", "modules/cached-refdb",
        "zuul/zuul", "zuul/nodepool", "opendev/system-config", "libreoffice/core", "libreoffice/online",
        "onap/so", "o-ran-sc/ric-plt/e2", "depot", "infra/tools/git-review", "external/libc++",
    ];
    static readonly (string Name, string Email, string User)[] People =
    [
        ("Ghanshyam Mann", "gmann@ghanshyammann.com", "ghanshyam"), ("Zuul", "zuul@review.opendev.org", "zuul"),
        ("jenkins-bot", "jenkins-bot@wikimedia.org", "jenkins-bot"), ("Jörg Müller", "joerg.mueller@example.de", "jmueller"),
        ("Renée O'Brien", "renee@example.ie", "robrien"), ("Takashi Kajinami", "kajinamit@oss.nttdata.com", "tkajinam"),
        ("Qt CI Bot", "qt_ci_bot@qt-project.org", "qt_ci_bot"), ("Łukasz Nowak", "lnowak@example.pl", "lnowak"),
    ];
    static readonly string[] Jobs =
    [
        "openstack-tox-pep8", "openstack-tox-py39", "openstack-tox-py312", "openstack-tox-docs", "openstack-tox-cover",
        "tempest-full-py3", "tempest-integrated-compute", "nova-live-migration", "nova-grenade-multinode",
        "neutron-ovn-tempest-ovs-release", "devstack-platform-ubuntu-noble", "requirements-check", "build-openstack-releasenotes",
    ];
    static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    readonly Random _random = new(seed);
    long _time = 1_732_000_000;

    /// <summary>One event as a line ending in "}\n".</summary>
    public byte[] Next(out string project, out string type)
    {
        project = Projects[_random.Next(Projects.Length)];
        int roll = _random.Next(100);
        type = roll < 40 ? "comment-added" : roll < 65 ? "patchset-created" : roll < 90 ? "ref-updated" : "change-merged";
        _time += _random.Next(3);
        var stream = new MemoryStream(4096);
        using (var w = new Utf8JsonWriter(stream, Options))
        {
            w.WriteStartObject();
            int change = _random.Next(10_000, 990_000), patchSet = _random.Next(1, 12);
            string rev = Hex(40);
            switch (type)
            {
                case "ref-updated":
                    Person(w, "submitter");
                    w.WriteStartObject("refUpdate");
                    w.WriteString("oldRev", Hex(40));
                    w.WriteString("newRev", rev);
                    w.WriteString("refName", _random.Next(3) == 0 ? "refs/heads/master" : $"refs/changes/{change % 100:00}/{change}/{patchSet}");
                    w.WriteString("project", project);
                    w.WriteEndObject();
                    break;
                case "comment-added":
                    Person(w, "author");
                    w.WriteStartArray("approvals");
                    Approval(w, "Verified", _random.Next(3) == 0 ? "-1" : "1");
                    Approval(w, "Code-Review", "0");
                    Approval(w, "Workflow", "0");
                    w.WriteEndArray();
                    w.WriteString("comment", CiReport(patchSet));
                    Change(w, project, change, patchSet, rev);
                    break;
                case "patchset-created":
                    Person(w, "uploader");
                    Change(w, project, change, patchSet, rev);
                    break;
                default:
                    Person(w, "submitter");
                    w.WriteString("newRev", Hex(40));
                    Change(w, project, change, patchSet, rev);
                    break;
            }
            w.WriteString("type", type);
            w.WriteNumber("eventCreatedOn", _time);
            w.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }

    void Change(Utf8JsonWriter w, string project, int change, int patchSet, string rev)
    {
        w.WriteStartObject("patchSet");
        w.WriteNumber("number", patchSet);
        w.WriteString("revision", rev);
        w.WriteStartArray("parents");
        w.WriteStringValue(Hex(40));
        w.WriteEndArray();
        w.WriteString("ref", $"refs/changes/{change % 100:00}/{change}/{patchSet}");
        Person(w, "uploader");
        w.WriteNumber("createdOn", _time - 40);
        Person(w, "author");
        w.WriteString("kind", "REWORK");
        w.WriteNumber("sizeInsertions", _random.Next(1, 900));
        w.WriteNumber("sizeDeletions", -_random.Next(0, 400));
        w.WriteEndObject();
        w.WriteStartObject("change");
        w.WriteString("project", project);
        w.WriteString("branch", "master");
        string id = "I" + Hex(40);
        w.WriteString("id", id);
        w.WriteNumber("number", change);
        string subject = Subjects[_random.Next(Subjects.Length)];
        w.WriteString("subject", subject);
        Person(w, "owner");
        w.WriteString("url", $"https://review.example.org/c/{project}/+/{change}");
        w.WriteString("commitMessage", $"{subject}\n\nThe previous behaviour didn't match the API reference; this aligns it and\nadds a regression test. Closes-Bug: #{_random.Next(1_000_000, 2_100_000)}\n\nChange-Id: {id}\n");
        w.WriteNumber("createdOn", _time - 86_400);
        w.WriteString("status", "NEW");
        w.WriteEndObject();
        w.WriteString("project", project);
        w.WriteString("refName", "refs/heads/master");
        w.WriteStartObject("changeKey");
        w.WriteString("id", id);
        w.WriteEndObject();
    }

    static readonly string[] Subjects =
    [
        "Fix race in the resource tracker when an instance is rebuilt", "Add <json> output to the quota show command",
        "Bump the minimum version of oslo.db to 15.1.0", "docs: describe how to rotate the keystone fernet keys",
        "Revert \"Use the new scheduler filter by default\"", "[ci] make the grenade job voting again",
    ];

    string CiReport(int patchSet)
    {
        var text = new StringBuilder($"Patch Set {patchSet}: Verified+1\n\nBuild succeeded (check pipeline).\nhttps://zuul.example.org/t/openstack/buildset/{Hex(32)}\n\n");
        for (int i = 0; i < 15; i++)
            text.Append($"- {Jobs[_random.Next(Jobs.Length)]} https://zuul.example.org/t/openstack/build/{Hex(32)} : SUCCESS in {_random.Next(2, 90)}m {_random.Next(60):00}s\n");
        text.Append("- openstack-tox-py310 https://zuul.example.org/t/openstack/build/" + Hex(32) + " : SUCCESS in 7m 02s (non-voting)\n");
        return text.ToString();
    }

    void Approval(Utf8JsonWriter w, string label, string value)
    {
        w.WriteStartObject();
        w.WriteString("type", label);
        w.WriteString("description", label);
        w.WriteString("value", value);
        w.WriteString("oldValue", "0");
        w.WriteEndObject();
    }

    void Person(Utf8JsonWriter w, string role)
    {
        var (name, email, user) = People[_random.Next(People.Length)];
        w.WriteStartObject(role);
        w.WriteString("name", name);
        w.WriteString("email", email);
        w.WriteString("username", user);
        w.WriteEndObject();
    }

    string Hex(int digits)
    {
        Span<byte> bytes = stackalloc byte[digits / 2];
        _random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
