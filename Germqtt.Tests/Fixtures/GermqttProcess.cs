namespace Germqtt.Tests.Fixtures;

/// <summary>
/// The real germqtt, run as its own process from the build output that the ProjectReference
/// copies beside the tests (germqtt.dll + germqtt.runtimeconfig.json).
/// </summary>
public sealed class GermqttProcess : CapturedProcess
{
    private GermqttProcess(System.Diagnostics.ProcessStartInfo psi, bool keepInput = false) : base(psi, "germqtt", keepInput) { }

    /// <summary>Starts germqtt with its standard input open to the test, for --stdin.</summary>
    public static GermqttProcess StartWithInput(IEnumerable<string> arguments) =>
        new(StartInfo(DotnetHost(), [DllPath, .. arguments], null, null), keepInput: true);

    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "germqtt.dll");

    public static GermqttProcess Start(params string[] arguments) => Start(arguments, null, null);

    /// <summary>
    /// Starts `dotnet germqtt.dll ARGS`. <paramref name="environment"/> entries are added to
    /// the inherited environment; a null value removes the variable.
    /// </summary>
    public static GermqttProcess Start(
        IEnumerable<string> arguments,
        string? workingDirectory,
        IReadOnlyDictionary<string, string?>? environment)
    {
        string runtimeConfig = Path.ChangeExtension(DllPath, ".runtimeconfig.json");
        if (!File.Exists(DllPath) || !File.Exists(runtimeConfig))
        {
            throw new FileNotFoundException(
                $"{DllPath} and {runtimeConfig} must be in the test output; the ProjectReference to Germqtt copies them");
        }
        return new GermqttProcess(StartInfo(DotnetHost(), [DllPath, .. arguments], workingDirectory, environment));
    }

    // The host that runs the tests, so germqtt gets the runtime the tests were built against.
    public static string DotnetHost()
    {
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return host is not null && File.Exists(host) ? host : "dotnet";
    }
}
