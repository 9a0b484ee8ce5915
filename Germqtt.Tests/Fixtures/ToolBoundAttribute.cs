namespace Germqtt.Tests.Fixtures;

/// <summary>
/// A fixture whose time goes to outside tools (Puppet, rspec, the NativeAOT publish, lintian, the
/// README recipes' runtimes, Chromium) and whose waits are generous, rather than one that times
/// a daemon. Such fixtures run two at a time, on both cores, and never beside the other fixtures:
/// those are timing-sensitive and stay non-parallel. A fixture marked so must own everything it
/// starts: its temp dirs, free ports and daemons (<see cref="BuiltPackage"/> is shared, built once
/// whoever asks first).
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ToolBoundAttribute(ParallelScope scope = ParallelScope.Self) : ParallelizableAttribute(scope);
