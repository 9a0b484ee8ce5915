using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;

namespace Germqtt.Tests.Fixtures;

/// <summary>
/// A throwaway root for `puppet apply`: every path the modules manage is redirected below
/// <see cref="Root"/>, Puppet's own state goes below <see cref="Dir"/>/puppet, and the
/// modulepath holds only links to the project's modules and Debian's stdlib (the whole
/// /usr/share/puppet/modules would double the run time).
/// </summary>
public sealed class PuppetRoot : IDisposable
{
    private PuppetRoot(string dir) => Dir = dir;

    public string Dir { get; }
    public string Root => Path.Combine(Dir, "root");
    public string ModulePath => Path.Combine(Dir, "modules");
    public string PuppetStateDir => Path.Combine(Dir, "puppet");

    /// <summary>The path inside the throwaway root that stands for the absolute <paramref name="path"/>.</summary>
    public string P(string path) => Path.Combine(Root, path.TrimStart('/'));

    public static PuppetRoot Create()
    {
        var root = new PuppetRoot(Directory.CreateTempSubdirectory("germqtt-puppet-root-").FullName);
        Directory.CreateDirectory(root.Root);
        Directory.CreateDirectory(root.ModulePath);
        Directory.CreateDirectory(root.PuppetStateDir);
        if (!Directory.Exists(PuppetTools.StdlibDir))
            Assert.Fail($"{PuppetTools.StdlibDir} is missing: run scripts/deps, which installs puppet-module-puppetlabs-stdlib");
        foreach (string module in PuppetTools.Modules)
            Directory.CreateSymbolicLink(Path.Combine(root.ModulePath, module), PuppetTools.ModuleDir(module));
        Directory.CreateSymbolicLink(Path.Combine(root.ModulePath, "stdlib"), PuppetTools.StdlibDir);
        return root;
    }

    /// <summary>
    /// `puppet apply --detailed-exitcodes` of <paramref name="manifestPath"/> with Puppet 8's strictness
    /// (strict=error, strict_variables, no legacy facts): exit 0 = no changes, 2 = changes, 4/6 = failures.
    /// </summary>
    public Task<ProcessResult> ApplyAsync(string manifestPath, params string[] extra) =>
        PuppetTools.PuppetAsync("apply",
        [
            "--detailed-exitcodes", "--strict=error", "--strict_variables", "--no-include_legacy_facts",
            "--color=false", $"--modulepath={ModulePath}", .. extra, manifestPath,
        ], settingsDir: PuppetStateDir);

    /// <summary>Renders a module template (e.g. "germqtt/germqtt.service.epp") with explicit values.</summary>
    public Task<ProcessResult> RenderAsync(string template, string values) =>
        PuppetTools.PuppetAsync("epp",
            ["render", "--no-header", $"--modulepath={ModulePath}", "--values", values, template],
            settingsDir: PuppetStateDir);

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Dir)) System.IO.Directory.Delete(Dir, recursive: true);
    }
}
