namespace Germqtt.Tests.Config;

/// <summary>
/// Catch-up from Gerrit's events-log plugin ([gerrit] http_*) and the state file that remembers
/// the last event published ([default] state_file): off unless asked for, and every mistake named.
/// </summary>
public class CatchUpOptionsTests : ConfigTestBase
{
    private const string Url = "http_url = https://review.example.org/r";
    private const string Secret = "hunter2-http";
    private int files;

    [Test]
    public void Without_http_url_and_state_file_nothing_changes()
    {
        var (o, errors) = Parse(Minimal);
        Assert.That(errors, Is.Empty);
        Assert.That((o!.Gerrit.EventsLog, o.Default.StateFile, o.Default.SpoolFile), Is.EqualTo(((EventsLogOptions?)null, (string?)null, (string?)null)));
    }

    [Test]
    public void Every_catch_up_key_set_is_read_as_written()
    {
        var (o, errors) = Parse(With("gerrit", $"{Url}\nhttp_username = events-reader\nhttp_password = {Secret}\n" +
                                               "events_log_timezone = Europe/Berlin\ncatch_up_max = 3600.5") +
                                "\n[default]\nstate_file = ~/germqtt.state\n");
        Assert.That(errors, Is.Empty);
        var log = o!.Gerrit.EventsLog!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(log.Url, Is.EqualTo(new Uri("https://review.example.org/r")));
            Assert.That(log.Username, Is.EqualTo("events-reader"));
            Assert.That(log.Password, Is.EqualTo(Secret));
            Assert.That(log.TimeZone.Id, Is.EqualTo("Europe/Berlin"));
            Assert.That(log.CatchUpMax, Is.EqualTo(TimeSpan.FromSeconds(3600.5)));
            Assert.That(o.Default.StateFile, Is.EqualTo("/home/u/germqtt.state"));
            Assert.That(o.Default.SpoolFile, Is.EqualTo("/home/u/germqtt.state.spool"));
        }
    }

    [Test]
    public void With_only_http_url_the_gerrit_user_UTC_and_a_day_apply()
    {
        var (o, errors) = Parse(With("gerrit", Url));
        Assert.That(errors, Is.Empty);
        var log = o!.Gerrit.EventsLog!;
        Assert.That((log.Username, log.TimeZone.BaseUtcOffset, log.CatchUpMax), Is.EqualTo(("germqtt", TimeSpan.Zero, TimeSpan.FromHours(24))));
    }

    [Test]
    public void A_relative_state_file_is_taken_from_the_working_directory()
    {
        var (o, _) = Parse("[default]\nstate_file = state/germqtt\n" + Minimal);
        Assert.That((o!.Default.StateFile, o.Default.SpoolFile), Is.EqualTo(("/work/state/germqtt", "/work/state/germqtt.spool")));
    }

    [TestCase("http_url = review.example.org", "[gerrit] http_url: must be an http:// or https:// URL without user, query or fragment (got 'review.example.org')")]
    [TestCase("http_url = ftp://review.example.org/", "[gerrit] http_url: must be an http:// or https:// URL without user, query or fragment (got 'ftp://review.example.org/')")]
    [TestCase("http_url = https://review.example.org/?q=1", "[gerrit] http_url: must be an http:// or https:// URL without user, query or fragment (got 'https://review.example.org/?q=1')")]
    [TestCase("http_url = https://review.example.org/#/q", "[gerrit] http_url: must be an http:// or https:// URL without user, query or fragment (got 'https://review.example.org/#/q')")]
    [TestCase(Url + "\nevents_log_timezone = Mars/Olympus_Mons", "[gerrit] events_log_timezone: must name a time zone of the system's time zone database, such as UTC or Europe/Berlin (got 'Mars/Olympus_Mons')")]
    [TestCase(Url + "\ncatch_up_max = 0", "[gerrit] catch_up_max: must be a number of seconds from 1 to 31536000 (got '0')")]
    [TestCase(Url + "\ncatch_up_max = a day", "[gerrit] catch_up_max: must be a number of seconds from 1 to 31536000 (got 'a day')")]
    public void A_bad_catch_up_value_is_reported_with_its_key_and_rule(string lines, string message)
    {
        var (o, errors) = Parse(With("gerrit", lines));
        Assert.That(o, Is.Null);
        Assert.That(errors, Is.EqualTo(new[] { message }));
    }

    [TestCase("http_username = events-reader")]
    [TestCase("http_password = " + Secret)]
    [TestCase("http_password_file = /etc/germqtt/http_password")]
    [TestCase("events_log_timezone = UTC")]
    [TestCase("catch_up_max = 3600")]
    public void A_catch_up_key_without_http_url_is_an_error_naming_it(string line)
    {
        string key = line.Split(" = ")[0];
        var (_, errors) = Parse(With("gerrit", line));
        Assert.That(errors, Is.EqualTo(new[] { $"[gerrit] {key}: is set but [gerrit] http_url is not (catch-up needs Gerrit's web URL)" }));
        Assert.That(string.Join("\n", errors), Does.Not.Contain(Secret));
    }

    [Test]
    public void A_password_written_into_http_url_is_refused_without_being_shown()
    {
        var (_, errors) = Parse(With("gerrit", $"http_url = https://germqtt:{Secret}@review.example.org/"));
        Assert.That(errors, Is.EqualTo(new[]
        {
            "[gerrit] http_url: must not hold a user name or password: set http_username and http_password (or http_password_file) instead",
        }));
    }

    [Test]
    public void Catch_up_without_the_HTTP_password_is_refused_at_load()
    {
        var e = Assert.Throws<ConfigException>(() => OptionsLoader.Load(Loadable(Url), Dir, Dir, _ => null));
        Assert.That(e!.Errors, Is.EqualTo(new[]
        {
            "[gerrit] http_password: is required when http_url is set (or http_password_file, or $GERMQTT_HTTP_PASSWORD)",
        }));
    }

    [Test]
    public void A_run_that_does_not_connect_to_Gerrit_does_not_ask_for_the_HTTP_password()
    {
        var o = OptionsLoader.Load(Loadable(Url), Dir, Dir, _ => null, new SidesInUse(Gerrit: false, Broker: true));
        Assert.That(o.Gerrit.EventsLog!.Password, Is.Null);
    }

    [Test]
    public void The_HTTP_password_comes_from_the_environment_then_a_file_then_the_key()
    {
        File.WriteAllText(Path.Combine(Dir, "http_password"), "from-file\n");
        string inline = Loadable($"{Url}\nhttp_password = inline");
        string file = Loadable($"{Url}\nhttp_password_file = http_password");
        static string? Env(string v) => v == "GERMQTT_HTTP_PASSWORD" ? "from-env" : null;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(OptionsLoader.Load(inline, Dir, Dir, _ => null).Gerrit.EventsLog!.Password, Is.EqualTo("inline"));
            Assert.That(OptionsLoader.Load(file, Dir, Dir, _ => null).Gerrit.EventsLog!.Password, Is.EqualTo("from-file"));
            Assert.That(OptionsLoader.Load(file, Dir, Dir, Env).Gerrit.EventsLog!.Password, Is.EqualTo("from-env"));
            Assert.That(OptionsLoader.Load(Loadable(Url), Dir, Dir, Env).Gerrit.EventsLog!.Password, Is.EqualTo("from-env"));
        }
    }

    [Test]
    public void The_HTTP_password_file_may_be_a_systemd_credential()
    {
        File.WriteAllText(Path.Combine(Dir, "http_password"), "credential\n");
        string path = Loadable($"{Url}\nhttp_password_file = $CREDENTIALS_DIRECTORY/http_password");
        var o = OptionsLoader.Load(path, Dir, Dir, v => v == "CREDENTIALS_DIRECTORY" ? Dir : null);
        Assert.That((o.Gerrit.EventsLog!.PasswordFile, o.Gerrit.EventsLog.Password), Is.EqualTo((Path.Combine(Dir, "http_password"), "credential")));
    }

    [Test]
    public void An_HTTP_password_given_twice_or_in_an_unreadable_file_is_an_error_that_does_not_show_it()
    {
        File.WriteAllText(Path.Combine(Dir, "pw"), "from-file\n");
        var twice = Assert.Throws<ConfigException>(() =>
            OptionsLoader.Load(Loadable($"{Url}\nhttp_password = {Secret}\nhttp_password_file = pw"), Dir, Dir, _ => null));
        Assert.That(twice!.Errors, Is.EqualTo(new[] { "[gerrit] http_password_file: set either http_password or http_password_file, not both" }));
        var unreadable = Assert.Throws<ConfigException>(() => OptionsLoader.Load(Loadable($"{Url}\nhttp_password_file = nope"), Dir, Dir, _ => null));
        Assert.That(unreadable!.Errors.Single(), Does.StartWith($"[gerrit] http_password_file: cannot read {Dir}/nope"));
        Assert.That(string.Join("\n", twice.Errors.Concat(unreadable.Errors)), Does.Not.Contain(Secret));
    }

    [Test]
    public void Options_printed_whole_do_not_show_the_HTTP_password()
    {
        var (o, _) = Parse(With("gerrit", $"{Url}\nhttp_password = {Secret}"));
        Assert.That(o!.Gerrit.EventsLog!.Password, Is.EqualTo(Secret));
        Assert.That(o.ToString(), Does.Not.Contain(Secret));
        Assert.That(o.Gerrit.EventsLog.ToString(), Does.Not.Contain(Secret).And.Contain("Password = ***"));
        Assert.That($"{o.Gerrit}", Does.Not.Contain(Secret));
    }

    [Test]
    public void A_state_file_in_a_writable_directory_loads_and_leaves_nothing_behind()
    {
        string state = Path.Combine(Dir, "var", "state");
        Directory.CreateDirectory(Path.GetDirectoryName(state)!);
        var o = OptionsLoader.Load(Loadable("", $"state_file = {state}"), Dir, Dir, _ => null);
        Assert.That((o.Default.StateFile, o.Default.SpoolFile), Is.EqualTo((state, state + ".spool")));
        Assert.That(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(state)!), Is.Empty, "the write probe is removed");
    }

    [Test]
    public void A_state_file_in_a_missing_directory_or_below_a_file_is_refused()
    {
        File.WriteAllText(Path.Combine(Dir, "plain"), "");
        foreach (string dir in new[] { Path.Combine(Dir, "missing"), Path.Combine(Dir, "plain") })
        {
            var e = Assert.Throws<ConfigException>(() => OptionsLoader.Load(Loadable("", $"state_file = {dir}/state"), Dir, Dir, _ => null));
            Assert.That(e!.Errors, Is.EqualTo(new[] { $"[default] state_file: directory {dir} does not exist" }));
        }
    }

    [Test]
    public void A_state_file_that_is_a_directory_is_refused()
    {
        string state = Directory.CreateDirectory(Path.Combine(Dir, "state")).FullName;
        var e = Assert.Throws<ConfigException>(() => OptionsLoader.Load(Loadable("", $"state_file = {state}"), Dir, Dir, _ => null));
        Assert.That(e!.Errors, Is.EqualTo(new[] { $"[default] state_file: {state} is a directory" }));
    }

    /// <summary>/proc takes no new files, not even from root (file modes would not stop root).</summary>
    [Test]
    public void A_state_file_in_a_directory_that_takes_no_new_files_is_refused()
    {
        var e = Assert.Throws<ConfigException>(() => OptionsLoader.Load(Loadable("", "state_file = /proc/germqtt-state"), Dir, Dir, _ => null));
        Assert.That(e!.Errors.Single(), Does.StartWith("[default] state_file: cannot write in /proc: "));
    }

    /// <summary>A new file that loads: a real key, an empty known_hosts, and the lines given.</summary>
    private string Loadable(string gerritLines, string defaultLines = "")
    {
        if (!File.Exists(Path.Combine(Dir, "id"))) TestKeys.Generate(Path.Combine(Dir, "id"));
        File.WriteAllText(Path.Combine(Dir, "known_hosts"), "");
        string path = Path.Combine(Dir, $"germqtt-{++files}.ini");
        File.WriteAllText(path, $"[default]\n{defaultLines}\n" + Minimal.Replace("/keys/id", "id") + $"\n[gerrit]\nknown_hosts = known_hosts\n{gerritLines}\n");
        return path;
    }
}
