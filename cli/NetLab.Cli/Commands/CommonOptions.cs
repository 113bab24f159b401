using System.CommandLine;
using NetLab.Agent;
using NetLab.Cli.Exercises;

namespace NetLab.Cli.Commands;

/// <summary>Options several commands share, defined once.</summary>
internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print one JSON document (schema in the README) instead of text" };

    public static Option<int> Port(string description = "The agent's port (TCP and UDP)") => new("--port", "-p")
    {
        Description = $"{description} (default {LabPorts.Agent})",
        DefaultValueFactory = _ => LabPorts.Agent,
        Validators = { r => { if (r.GetValueOrDefault<int>() is < 1 or > 65535) { r.AddError("--port must be 1-65535"); } } },
    };

    public static Option<string[]> Only() => new("--only")
    {
        Description = $"Run only these exercises (comma-separated): {string.Join(",", Catalog.Ids)}",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = r =>
        {
            var ids = r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
            foreach (var id in ids.Where(id => !Catalog.Ids.Contains(id)))
            {
                r.AddError($"--only: unknown exercise '{id}'; the exercises are {string.Join(", ", Catalog.Ids)}");
            }

            return ids;
        },
    };

    public static Option<FileInfo> Report() => new("--report") { Description = "Also write a Markdown report to this file", HelpName = "file.md" };

    public static Option<bool> TrustNewCert() => new("--trust-new-cert")
    {
        Description = "Accept and pin the agent's certificate even if it differs from the pinned one (after a reinstall)",
    };

    public static Option<FileInfo> KnownHostsFile() => new("--known-hosts")
    {
        Description = "Where pinned certificate fingerprints are kept (default ~/.config/netlab/known_hosts, or $NETLAB_CONFIG_DIR)",
        HelpName = "file",
    };

    public static Lab.KnownHosts LoadPins(FileInfo? file) => Lab.KnownHosts.Load(file?.FullName ?? Lab.KnownHosts.DefaultPath);

    public static IReadOnlyList<Exercise> Select(string[]? only) =>
        only is null || only.Length == 0 ? Catalog.All : Catalog.All.Where(e => only.Contains(e.Id)).ToList();
}
