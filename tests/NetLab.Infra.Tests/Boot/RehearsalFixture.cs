using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using NetLab.Infra.Tests.Support;
using NetLab.Testing;

namespace NetLab.Infra.Tests.Boot;

/// <summary>
/// What every boot rehearsal starts from, made once: the stack synthesized by the real <c>npx cdk synth</c> (with
/// the agent published for this machine's architecture, a one-minute time-to-live, and a maximum lifetime the
/// machine's own uptime cannot reach: a container shares the machine's clock), its instance's
/// AWS::CloudFormation::Init metadata, and the cached root file system.
/// </summary>
public sealed partial class RehearsalFixture : IDisposable
{
    public RehearsalFixture()
    {
        Work = Directory.CreateTempSubdirectory("netlab-boot-").FullName;
        var root = Repository.Root;
        CdkOut = Path.Combine(Work, "cdk.out");
        var arch = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "x86_64";
        var (code, log) = CdkCli.Synth(CdkOut, Directory.CreateDirectory(Path.Combine(Work, "tmp")).FullName, $"arch={arch}", "ttlMinutes=1", "maxHours=720");
        Assert.True(code == 0, $"cdk synth failed:\n{log}");
        Directory.Delete(Path.Combine(Work, "tmp"), recursive: true);

        using var template = JsonDocument.Parse(File.ReadAllText(Path.Combine(CdkOut, "NetLabCloud.template.json")));
        var instance = template.RootElement.GetProperty("Resources").EnumerateObject().Single(r => r.Value.GetProperty("Type").GetString() == "AWS::EC2::Instance");
        Init = instance.Value.GetProperty("Metadata").GetProperty("AWS::CloudFormation::Init").Clone();
        Tarball = RootFileSystem.Tarball();
        Netlab = Path.Combine(root, "cli", "NetLab.Cli", "bin", Configuration, "net10.0", "netlab.dll");
        Assert.True(File.Exists(Netlab), $"netlab is not built at {Netlab}");
    }

    public string Work { get; }

    public string CdkOut { get; }

    /// <summary>The instance's AWS::CloudFormation::Init, as cdk synth wrote it.</summary>
    public JsonElement Init { get; }

    /// <summary>The cached root file system.</summary>
    public string Tarball { get; }

    /// <summary>The netlab CLI, built beside these tests.</summary>
    public string Netlab { get; }

    /// <summary>The staged folder (cdk.out/asset.HASH) behind an init source's S3 URL (.../HASH.zip), as cdk-assets would upload it zipped.</summary>
    public string AssetFolder(string url)
    {
        var hash = AssetKey().Match(url) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"no asset key in {url}");
        var folder = Path.Combine(CdkOut, $"asset.{hash}");
        Assert.True(Directory.Exists(folder), $"the source {url} is not an asset in cdk.out");
        return folder;
    }

    public void Dispose() => Tool.Run("rm", ["-rf", "--one-file-system", Work]);

    private static string Configuration =>
        typeof(RehearsalFixture).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    [GeneratedRegex(@"/([0-9a-f]{64})\.zip$")]
    private static partial Regex AssetKey();
}
