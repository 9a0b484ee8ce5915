using System.Text.Json;

namespace Germqtt.Tests.Completeness;

/// <summary>[default] state_file: where the last run left off, surviving a crash in the middle of a write.</summary>
public class StateFileTests
{
    private readonly StringWriter _log = new();
    private string _dir = null!;

    private Log Log => new(LogLevel.Debug, _log, journal: false, () => default);

    private StateFile File => new(Path.Combine(_dir, "state.json"));

    [SetUp]
    public void MakeDirectory()
    {
        // One instance serves every test of the fixture: each starts with an empty log.
        _log.GetStringBuilder().Clear();
        _dir = Directory.CreateTempSubdirectory("germqtt-state-").FullName;
    }

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void What_was_saved_is_loaded_back()
    {
        File.Save(1592081929, ["a", "b"]);
        var loaded = File.Load(Log);
        Assert.That(loaded?.Last, Is.EqualTo(1592081929));
        Assert.That(loaded?.Identities, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(_log.ToString(), Is.Empty);
    }

    [Test]
    public void The_file_is_versioned_JSON_with_last_and_identities()
    {
        File.Save(7, ["a"]);
        using var document = JsonDocument.Parse(System.IO.File.ReadAllBytes(File.Path));
        Assert.That(document.RootElement.GetRawText(), Is.EqualTo("""{"version":1,"last":7,"identities":["a"]}"""));
    }

    [Test]
    public void A_save_replaces_the_previous_state_and_leaves_no_temporary_file()
    {
        File.Save(1, ["a", "b", "c"]);
        File.Save(2, ["d"]);
        Assert.That(File.Load(Log)?.Identities, Is.EqualTo(new[] { "d" }));
        Assert.That(Directory.GetFiles(_dir).Select(Path.GetFileName), Is.EqualTo(new[] { "state.json" }));
    }

    [Test]
    public void A_leftover_temporary_file_from_a_crash_does_not_hinder_the_next_save()
    {
        System.IO.File.WriteAllText(File.Path + ".tmp", "{\"version\":1,\"la");
        File.Save(3, []);
        Assert.That(File.Load(Log)?.Last, Is.EqualTo(3));
        Assert.That(System.IO.File.Exists(File.Path + ".tmp"), Is.False);
    }

    [Test]
    public void No_state_file_means_no_state_and_no_warning()
    {
        Assert.That(File.Load(Log), Is.Null);
        Assert.That(_log.ToString(), Is.Empty);
    }

    [Test]
    public void A_state_without_identities_loads_with_none() =>
        Assert.That(Saved("""{"version":1,"last":9}""")?.Identities, Is.Empty);

    [TestCase("", TestName = "An_empty_state_file_is_reported_and_treated_as_none")]
    [TestCase("{\"version\":1,\"last\":", TestName = "A_cut_state_file_is_reported_and_treated_as_none")]
    [TestCase("not json", TestName = "A_state_file_that_is_not_JSON_is_reported_and_treated_as_none")]
    [TestCase("""{"version":1}""", TestName = "A_state_file_without_last_is_reported_and_treated_as_none")]
    [TestCase("""{"version":1,"last":"yesterday"}""", TestName = "A_state_file_whose_last_is_not_a_number_is_reported_and_treated_as_none")]
    [TestCase("""{"version":1,"last":5,"identities":"a"}""", TestName = "A_state_file_whose_identities_are_not_a_list_is_reported_and_treated_as_none")]
    [TestCase("""{"version":1,"last":5,"identities":[1]}""", TestName = "A_state_file_whose_identities_are_not_strings_is_reported_and_treated_as_none")]
    [TestCase("""{"version":1,"last":5,"identities":[null]}""", TestName = "A_state_file_with_a_null_identity_is_reported_and_treated_as_none")]
    [TestCase("[]", TestName = "A_state_file_that_is_not_an_object_is_reported_and_treated_as_none")]
    public void A_corrupt_state_file_is_reported_and_treated_as_none(string content)
    {
        Assert.That(Saved(content), Is.Null);
        Assert.That(_log.ToString(), Does.Contain($"warning: state file {File.Path} cannot be read"));
        Assert.That(_log.ToString(), Does.Contain("starting without it"));
    }

    private (long Last, IReadOnlyList<string> Identities)? Saved(string content)
    {
        System.IO.File.WriteAllText(File.Path, content);
        return File.Load(Log);
    }
}
