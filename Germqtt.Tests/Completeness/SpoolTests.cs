namespace Germqtt.Tests.Completeness;

/// <summary>Events a stop could not deliver, kept for the next start and removed once delivered.</summary>
public class SpoolTests
{
    private readonly StringWriter _log = new();
    private string _dir = null!;

    [SetUp]
    public void MakeDirectory()
    {
        // One instance serves every test of the fixture: each starts with an empty log.
        _log.GetStringBuilder().Clear();
        _dir = Directory.CreateTempSubdirectory("germqtt-spool-").FullName;
    }

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private string SpoolPath => Path.Combine(_dir, "state.json.spool");

    private Spool Spool() => new(SpoolPath, new Log(LogLevel.Debug, _log, journal: false, () => default));

    private static readonly RoutedEvent[] Undelivered =
    [
        new("gerrit/openstack/nova/comment-added", "{\"type\":\"comment-added\",\"eventCreatedOn\":5}"u8.ToArray(), new EventStamp(5, "0123456789abcdef0123456789abcdef")),
        // Not every payload is text: bytes that are not UTF-8 must come back as they were.
        new("gerrit/p/t", [0x00, 0xff, 0xfe, 0x0a, 0x0d, 0x80], new EventStamp(6, "fedcba9876543210fedcba9876543210")),
        new("gerrit/p/no-created-on", "{\"type\":\"no-created-on\"}"u8.ToArray()),
        new("germqtt/c/status/gap", "{\"from\":1,\"to\":2}"u8.ToArray(), IsNotice: true),
    ];

    [Test]
    public void Spooled_events_come_back_in_order_with_topic_payload_stamp_and_notice()
    {
        Spool().Write(Undelivered);
        var read = Spool().Read();
        Assert.That(read.Select(e => (e.Topic, e.Stamp, e.IsNotice)), Is.EqualTo(Undelivered.Select(e => (e.Topic, e.Stamp, e.IsNotice))));
        Assert.That(read.Select(e => e.Payload), Is.EqualTo(Undelivered.Select(e => e.Payload)));
        Assert.That(read.Select(e => e.FromSpool), Has.All.True);
        Assert.That(_log.ToString(), Does.Contain($"spooled 4 undelivered events to {SpoolPath}"));
        Assert.That(_log.ToString(), Does.Contain($"publishing 4 events spooled by the last run from {SpoolPath}"));
    }

    [Test]
    public void A_new_spool_replaces_the_old_and_leaves_no_temporary_file()
    {
        Spool().Write(Undelivered);
        Spool().Write([Undelivered[1]]);
        Assert.That(Spool().Read().Select(e => e.Topic), Is.EqualTo(new[] { "gerrit/p/t" }));
        Assert.That(Directory.GetFiles(_dir).Select(Path.GetFileName), Is.EqualTo(new[] { "state.json.spool" }));
    }

    [Test]
    public void Spooling_nothing_removes_the_spool()
    {
        Spool().Write(Undelivered);
        Spool().Write([]);
        Assert.That(File.Exists(SpoolPath), Is.False);
        Assert.That(Spool().Read(), Is.Empty);
    }

    [Test]
    public void Spooling_nothing_without_a_spool_is_fine() =>
        Assert.That(() => Spool().Write([]), Throws.Nothing);

    [Test]
    public void The_spool_is_removed_once_every_spooled_event_was_delivered_not_before()
    {
        Spool().Write(Undelivered);
        var spool = Spool();
        var read = spool.Read();
        foreach (var message in read.SkipLast(1))
        {
            spool.Delivered(message);
            // A live event delivered meanwhile is not one of the spool's.
            spool.Delivered(new RoutedEvent("gerrit/p/live", []));
        }
        Assert.That(File.Exists(SpoolPath), Is.True, "removed with an event still undelivered");

        spool.Delivered(read[^1]);
        Assert.That(File.Exists(SpoolPath), Is.False);
    }

    [Test]
    public void A_bad_line_is_skipped_with_a_warning_and_the_rest_is_read()
    {
        Spool().Write(Undelivered[..2]);
        var lines = File.ReadAllLines(SpoolPath);
        File.WriteAllLines(SpoolPath,
        [
            lines[0], "{\"topic\":\"t\",\"payload\":\"%%%\"}", "not json", "{\"payload\":\"\"}",
            // A null where a string belongs would otherwise stop the start (an event without topic or identity).
            "{\"topic\":null,\"payload\":\"\"}", "{\"topic\":\"t\",\"payload\":\"\",\"created\":1,\"identity\":null}", lines[1],
        ]);

        var read = Spool().Read();
        Assert.That(read.Select(e => e.Topic), Is.EqualTo(new[] { Undelivered[0].Topic, Undelivered[1].Topic }));
        Assert.That(new[] { 2, 3, 4, 5, 6 }.Select(n => _log.ToString().Contains($"warning: spool {SpoolPath}: line {n} skipped", StringComparison.Ordinal)), Has.All.True, _log.ToString());
    }

    [Test]
    public void No_spool_reads_as_no_events() =>
        Assert.That(Spool().Read(), Is.Empty);
}
