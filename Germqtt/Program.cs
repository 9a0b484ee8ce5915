using System.CommandLine;


var configOption = new Option<string?>("--config", "-c")
{
    Description = "Path of the INI configuration file [default: /etc/germqtt.ini]",
};
var configArgument = new Argument<string?>("conffile")
{
    Description = "Path of the INI configuration file (the original germqtt's form)",
    Arity = ArgumentArity.ZeroOrOne,
};
var foregroundOption = new Option<bool>("--foreground", "-f")
{
    Description = "Accepted for compatibility; germqtt always runs in the foreground",
};
var checkConfigOption = new Option<bool>("--check-config")
{
    Description = "Validate the configuration and exit (0 when valid, 78 when not) without connecting",
};
var checkOption = new Option<bool>("--check")
{
    Description = "Connect to Gerrit and to the broker once, print OK or the reason for each, and exit (0 only if both are OK)",
};
var dryRunOption = new Option<bool>("--dry-run")
{
    Description = "Print \"topic<TAB>payload\" lines on standard output instead of publishing (no broker needed)",
};
var stdinOption = new Option<bool>("--stdin")
{
    Description = "Read event lines from standard input instead of Gerrit; stop at end of input",
};
var logLevelOption = new Option<string>("--log-level")
{
    Description = "debug, info, warning or error",
    DefaultValueFactory = _ => "info",
};
logLevelOption.AcceptOnlyFromAmong(StringComparer.OrdinalIgnoreCase, "debug", "info", "warning", "error");

var root = new RootCommand("germqtt: publishes a Gerrit server's stream-events on an MQTT broker")
{
    configOption, configArgument, foregroundOption, checkConfigOption, checkOption, dryRunOption, stdinOption, logLevelOption,
};
root.Validators.Add(result =>
{
    if (result.GetValue(configOption) is not null && result.GetValue(configArgument) is not null)
        result.AddError("Give the configuration file either as --config or as an argument, not both.");
});

root.SetAction(async (parsed, _) =>
{
    // The parser already accepts only the known levels.
    if (!Log.TryParseLevel(parsed.GetValue(logLevelOption), out var level)) level = LogLevel.Info;
    var log = Log.ForProcess(level);
    string path = parsed.GetValue(configOption) ?? parsed.GetValue(configArgument) ?? "/etc/germqtt.ini";
    string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
    bool dryRun = parsed.GetValue(dryRunOption), stdin = parsed.GetValue(stdinOption);
    var sides = new SidesInUse(Gerrit: !stdin, Broker: !dryRun);
    using var shutdown = new ShutdownSignal(log);

    GermqttOptions options;
    PidFile pidFile;
    try
    {
        options = OptionsLoader.Load(path, home, Environment.CurrentDirectory, sides: sides);
        if (parsed.GetValue(checkConfigOption))
        {
            Console.Out.WriteLine($"configuration {path}: OK");
            return ExitCodes.Ok;
        }
        if (parsed.GetValue(checkOption))
            return await ConnectionCheck.RunAsync(options, Console.Out, shutdown.Token) ? ExitCodes.Ok : ExitCodes.Unavailable;
        pidFile = PidFile.Create(options.Default.PidFile);
    }
    catch (ConfigException e)
    {
        foreach (var error in e.Errors) log.Error($"configuration {path}: {error}");
        return ExitCodes.Config;
    }

    using (pidFile)
    {
        if (shutdown.Token.IsCancellationRequested)
        {
            log.Info("stopped before start");
            return ExitCodes.Ok;
        }
        log.Info($"germqtt {StatusDocument.Version}: {(stdin ? "standard input" : $"gerrit {options.Gerrit.Endpoint}")} -> " +
                 $"{(dryRun ? "standard output" : $"mqtt {options.Mqtt.Endpoint}")}, topics {options.Mqtt.Topic}/<project>/<type>, qos {(int)options.Mqtt.Qos}");
        if (options.Filter.PublishPrivate)
            log.Warning("[filter] publish_private = true: events of private changes go on the bus");
        using var systemd = SystemdNotifier.ForProcess(log);
        var mode = new BridgeMode(dryRun, dryRun ? DryRunWriter.StandardOutput() : Stream.Null, stdin ? Console.OpenStandardInput() : null);
        return await new Bridge(options, log, systemd, mode).RunAsync(shutdown.Token);
    }
});

// germqtt owns SIGTERM itself: the drain deadline comes from the configuration, not from the parser.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
