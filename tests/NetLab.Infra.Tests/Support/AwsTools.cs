using System.Text.Json;
using NetLab.Testing;

namespace NetLab.Infra.Tests.Support;

/// <summary>
/// AWS's own CloudFormation linter, cfn-lint, and its data. scripts/install-tools.sh (run by ./test.sh) installs it
/// where it is missing, into .build/aws-tools; a run without it fails loudly.
/// </summary>
public static class CfnLint
{
    /// <summary>The cfn-lint command: on PATH, else the one install-tools.sh put in .build/aws-tools.</summary>
    public static string Command => Find("cfn-lint");

    /// <summary>The Python that runs cfn-lint (the one its package's data is read with).</summary>
    public static string Python => Find("python3", besideCfnLint: true);

    /// <summary>cfn-lint's findings on <paramref name="template"/>, as its JSON output gives them.</summary>
    public static IReadOnlyList<Finding> Lint(string template)
    {
        var (code, output) = Tool.Run(Command, ["--format", "json", template], timeoutSeconds: 300);
        // Exit codes are bit flags: 2 errors, 4 warnings, 8 informational; 1 is cfn-lint's own failure.
        Assert.True(code is 0 or 2 or 4 or 6 or 8 or 10 or 12 or 14, $"cfn-lint failed to run (exit {code}):\n{output}");
        using var json = JsonDocument.Parse(output[output.IndexOf('[', StringComparison.Ordinal)..]);
        return json.RootElement.EnumerateArray().Select(m => new Finding(
            m.GetProperty("Rule").GetProperty("Id").GetString()!,
            m.GetProperty("Level").GetString()!,
            m.GetProperty("Message").GetString()!,
            string.Join('/', m.GetProperty("Location").GetProperty("Path").EnumerateArray().Select(p => p.ToString())))).ToList();
    }

    /// <summary>cfn-lint's Lambda runtime lifecycle data (LmbdRuntimeLifecycle.json): runtime → its dates and successor.</summary>
    public static JsonElement RuntimeLifecycle()
    {
        var (code, path) = Tool.Run(Python, ["-c", "import cfnlint, os; print(os.path.join(os.path.dirname(cfnlint.__file__), 'data', 'AdditionalSpecs', 'LmbdRuntimeLifecycle.json'))"]);
        Assert.True(code == 0, $"cfn-lint's package is not importable with {Python}: {path}");
        using var json = JsonDocument.Parse(File.ReadAllText(path.Trim()));
        return json.RootElement.Clone();
    }

    private static string Find(string name, bool besideCfnLint = false)
    {
        var local = Path.Combine(Repository.Root, ".build", "aws-tools", "bin", name);
        var onPath = (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
        if (besideCfnLint)
        {
            var beside = Path.Combine(Path.GetDirectoryName(Command)!, name);
            return File.Exists(beside) ? beside : onPath ?? name;
        }

        return onPath ?? (File.Exists(local) ? local
            : throw new InvalidOperationException($"{name} is not installed (not on PATH, not in {local}): ./test.sh runs scripts/install-tools.sh, which installs it"));
    }

    /// <summary>One finding: rule id (E2533), level (Error, Warning, Informational), message, and where (Resources/X/Properties/Runtime).</summary>
    public sealed record Finding(string Rule, string Level, string Message, string Path)
    {
        public override string ToString() => $"{Level} {Rule} at {Path}: {Message}";
    }
}
