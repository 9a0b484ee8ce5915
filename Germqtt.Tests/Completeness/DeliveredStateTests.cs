namespace Germqtt.Tests.Completeness;

/// <summary>What the broker acknowledged, as the state file keeps it: the newest second and its events.</summary>
public class DeliveredStateTests
{
    private readonly StringWriter _log = new();
    private string _dir = null!;
    private StateFile _file = null!;

    [SetUp]
    public void MakeDirectory()
    {
        _log.GetStringBuilder().Clear();
        _dir = Directory.CreateTempSubdirectory("germqtt-delivered-").FullName;
        _file = new StateFile(Path.Combine(_dir, "state.json"));
    }

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private DeliveredState State() => new(_file, new Log(LogLevel.Debug, _log, journal: false, () => default));

    private static RoutedEvent Event(long createdOn, string identity) => new("gerrit/p/t", [], new EventStamp(createdOn, identity));

    private (long Last, IReadOnlyList<string> Identities)? Saved() => _file.Load(Log.Silent);

    [Test]
    public void Only_the_identities_of_the_newest_second_are_kept()
    {
        var state = State();
        state.Delivered(Event(100, "a"));
        state.Delivered(Event(101, "b"));
        state.Delivered(Event(101, "c"));
        state.Save();
        Assert.That(Saved()?.Last, Is.EqualTo(101));
        Assert.That(Saved()?.Identities, Is.EquivalentTo(new[] { "b", "c" }));
    }

    [Test]
    public void An_acknowledgement_for_an_older_second_changes_nothing()
    {
        var state = State();
        state.Delivered(Event(101, "b"));
        state.Delivered(Event(100, "a"));
        state.Save();
        Assert.That(Saved()?.Identities, Is.EqualTo(new[] { "b" }));
    }

    [Test]
    public void Events_without_a_stamp_are_not_recorded()
    {
        var state = State();
        state.Delivered(new RoutedEvent("gerrit/p/t", []));
        state.Delivered(new RoutedEvent("germqtt/c/status/gap", [], IsNotice: true));
        state.Save();
        Assert.That(File.Exists(_file.Path), Is.False);
    }

    [Test]
    public void Nothing_is_written_when_nothing_changed()
    {
        var state = State();
        state.Delivered(Event(100, "a"));
        state.Save();
        File.Delete(_file.Path);
        state.Save();
        Assert.That(File.Exists(_file.Path), Is.False, "saved again without a change");

        state.Delivered(Event(100, "b"));
        state.Save();
        Assert.That(Saved()?.Identities, Is.EquivalentTo(new[] { "a", "b" }));
    }

    [Test]
    public void Resuming_alone_does_not_rewrite_the_file()
    {
        var state = State();
        state.Resume(100, ["a"]);
        state.Save();
        Assert.That(File.Exists(_file.Path), Is.False);
    }

    [Test]
    public void Events_of_the_resumed_second_join_its_identities_and_later_ones_replace_them()
    {
        var state = State();
        state.Resume(100, ["a"]);
        state.Delivered(Event(100, "b"));
        state.Save();
        Assert.That(Saved()?.Identities, Is.EquivalentTo(new[] { "a", "b" }));

        state.Delivered(Event(99, "old"));
        state.Delivered(Event(102, "c"));
        state.Save();
        Assert.That((Saved()?.Last, Saved()?.Identities), Is.EqualTo(((long?)102, new[] { "c" })));
    }

    [Test]
    public void Without_a_state_file_acknowledgements_are_ignored()
    {
        var state = new DeliveredState(null, Log.Silent);
        state.Delivered(Event(100, "a"));
        Assert.That(state.Save, Throws.Nothing);
        Assert.That(Directory.GetFiles(_dir), Is.Empty);
    }

    [Test]
    public void A_failed_write_is_warned_about_once_and_retried_until_it_works()
    {
        var file = new StateFile(Path.Combine(_dir, "missing", "state.json"));
        var state = new DeliveredState(file, new Log(LogLevel.Debug, _log, journal: false, () => default));
        state.Delivered(Event(100, "a"));
        state.Save();
        state.Save();
        Assert.That(_log.ToString().Split('\n').Count(l => l.Contains($"warning: state file {file.Path} not written", StringComparison.Ordinal)), Is.EqualTo(1));

        Directory.CreateDirectory(Path.GetDirectoryName(file.Path)!);
        state.Save();
        Assert.That(file.Load(Log.Silent)?.Last, Is.EqualTo(100));
        Assert.That(_log.ToString(), Does.Contain($"state file {file.Path} written again"));
    }
}
