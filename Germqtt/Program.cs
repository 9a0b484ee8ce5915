using System.CommandLine;
using System.Reflection;
using Germqtt;

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
var logLevelOption = new Option<string>("--log-level")
{
    Description = "debug, info, warning or error",
    DefaultValueFactory = _ => "info",
};
logLevelOption.AcceptOnlyFromAmong(StringComparer.OrdinalIgnoreCase, "debug", "info", "warning", "error");

var root = new RootCommand("germqtt: publishes a Gerrit server's stream-events on an MQTT broker")
{
    configOption, configArgument, foregroundOption, checkConfigOption, logLevelOption,
};
root.Validators.Add(result =>
{
    if (result.GetValue(configOption) is not null && result.GetValue(configArgument) is not null)
        result.AddError("Give the configuration file either as --config or as an argument, not both.");
});

root.SetAction(async (parsed, _) =>
{
    Log.TryParseLevel(parsed.GetValue(logLevelOption), out var level);
    var log = Log.ForProcess(level);
    string path = parsed.GetValue(configOption) ?? parsed.GetValue(configArgument) ?? "/etc/germqtt.ini";
    string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    GermqttOptions options;
    PidFile pidFile;
    try
    {
        options = OptionsLoader.Load(path, home, Environment.CurrentDirectory);
        if (parsed.GetValue(checkConfigOption))
        {
            Console.Out.WriteLine($"configuration {path}: OK");
            return ExitCodes.Ok;
        }
        pidFile = PidFile.Create(options.Default.PidFile);
    }
    catch (ConfigException e)
    {
        foreach (var error in e.Errors) log.Error($"configuration {path}: {error}");
        return ExitCodes.Config;
    }

    using (pidFile)
    {
        string version = Assembly.GetExecutingAssembly().GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        log.Info($"germqtt {version}: gerrit {options.Gerrit.Endpoint} -> mqtt {options.Mqtt.Endpoint}, " +
                 $"topics {options.Mqtt.Topic}/<project>/<type>, qos {(int)options.Mqtt.Qos}");
        using var shutdown = new ShutdownSignal(log);
        using var systemd = SystemdNotifier.ForProcess(log);
        return await new Bridge(options, log, systemd).RunAsync(shutdown.Token);
    }
});

// germqtt owns SIGTERM itself: the drain deadline comes from the configuration, not from the parser.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
