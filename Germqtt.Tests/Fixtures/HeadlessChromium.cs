using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Germqtt.Tests.Fixtures;

/// <summary>
/// Debian's Chromium, headless, driven by Debian's chromedriver through Selenium: a real browser
/// with a fresh profile, nothing fetched from the network (no Selenium Manager, no updates).
/// </summary>
public sealed class HeadlessChromium : IDisposable
{
    public const string Browser = "/usr/bin/chromium";
    public const string Driver = "/usr/bin/chromedriver";
    private readonly string profile;

    private HeadlessChromium(ChromeDriver driver, string profile)
    {
        WebDriver = driver;
        this.profile = profile;
    }

    public IWebDriver WebDriver { get; }

    public static async Task<HeadlessChromium> StartAsync()
    {
        await PuppetTools.RequirePackagesAsync("chromium", "chromium-driver");
        string profile = Directory.CreateTempSubdirectory("germqtt-chromium-").FullName;
        var options = new ChromeOptions { BinaryLocation = Browser };
        options.AddArguments(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--window-size=1400,900", $"--user-data-dir={profile}");
        // Both paths given, so Selenium never runs its manager to look for (or download) either.
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        try
        {
            var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(30));
            driver.Manage().Timeouts().AsynchronousJavaScript = TimeSpan.FromSeconds(10);
            return new HeadlessChromium(driver, profile);
        }
        catch
        {
            service.Dispose();
            Directory.Delete(profile, recursive: true);
            throw;
        }
    }

    /// <summary>Saves what the browser shows as a PNG and attaches it to the test's results.</summary>
    public string SaveScreenshot(string name)
    {
        string path = Path.Combine(TestContext.CurrentContext.WorkDirectory, name);
        ((ITakesScreenshot)WebDriver).GetScreenshot().SaveAsFile(path);
        TestContext.AddTestAttachment(path);
        return path;
    }

    public void Dispose()
    {
        WebDriver.Quit();   // ends chromedriver and the browser it started
        WebDriver.Dispose();
        if (Directory.Exists(profile)) Directory.Delete(profile, recursive: true);
    }
}
