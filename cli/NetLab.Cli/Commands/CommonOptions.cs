using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using NetLab.Agent;
using NetLab.Agent.Hosting;
using NetLab.Cli.Exercises;

namespace NetLab.Cli.Commands;

/// <summary>
/// Options several commands share, defined once. Each refuses a bad value in one sentence that names the valid
/// form, and states its default once, in its description (read it with <c>ValueOr</c>, as the agent's options do).
/// </summary>
internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print one JSON document (schema in docs/json.md) instead of text" };

    public static Option<int> Port(string description = "The agent's port (TCP and UDP)") => new("--port", "-p")
    {
        Description = $"{description} (default {LabPorts.Agent})",
        HelpName = "port",
        CustomParser = r => ParsePort(r, Typed(r, "--port"), LabPorts.Agent),
    };

    /// <summary>A TCP or UDP port, 1-65535, or an error that shows the form with <paramref name="example"/>.</summary>
    public static int ParsePort(ArgumentResult r, string option, int example)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : OptionParsers.Fail<int>(r, $"{option}: '{text}' is not a port; give a number from 1 to 65535, e.g. {option} {example}");
    }

    public static Option<string[]> Only() => new("--only")
    {
        Description = $"Run only these exercises (comma-separated): {string.Join(",", Catalog.Ids)}",
        AllowMultipleArgumentsPerToken = true,
        HelpName = "ids",
        CustomParser = r =>
        {
            var ids = r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
            if (ids.Length == 0)
            {
                // An empty list is a mistake (a variable that was not set), not a wish to run everything.
                return OptionParsers.Fail<string[]>(r, $"--only: no exercise named; give one or more, comma-separated, e.g. --only tcp,http (the exercises: {string.Join(", ", Catalog.Ids)})");
            }

            foreach (var id in ids.Where(id => !Catalog.Ids.Contains(id)))
            {
                r.AddError($"--only: unknown exercise '{id}'; the exercises are {string.Join(", ", Catalog.Ids)}");
            }

            return ids;
        },
    };

    public static Option<FileInfo> Report() => new("--report")
    {
        Description = "Also write the report to this file: a web page with charts for .html, Markdown for .md (checked before the exercises run)",
        HelpName = "file.html|file.md",
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            return ReportFile.Problem(text) is { } problem ? OptionParsers.Fail<FileInfo>(r, $"--report: {problem}") : new FileInfo(text);
        },
    };

    /// <summary>--wire, --no-wire and --pcap FILE: the ladders each exercise shows, and the run's packets for Wireshark.</summary>
    public sealed class WireOptions
    {
        public Option<bool> All { get; } = new("--wire")
        {
            Description = "Show every exercise's connections as ladders of packets, as the lab host saw them (by default: tcp, tls, http and ncat-file, on a terminal)",
        };

        public Option<bool> None { get; } = new("--no-wire") { Description = "Show no ladders" };

        public Option<FileInfo> Pcap { get; } = new("--pcap")
        {
            Description = "Save the whole run's packets, as the lab host saw them, to this pcapng file (Wireshark, tshark -r)",
            HelpName = "file.pcapng",
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                var file = new FileInfo(text.Length == 0 ? "." : text);
                return text.Length == 0 || Directory.Exists(text) ? OptionParsers.Fail<FileInfo>(r, "--pcap: give a file name, e.g. --pcap run.pcapng")
                    : file.Directory is { Exists: false } missing ? OptionParsers.Fail<FileInfo>(r, $"--pcap: the folder {missing.FullName} does not exist")
                    : file;
            },
        };

        public void AddTo(Command command)
        {
            command.Options.Add(All);
            command.Options.Add(None);
            command.Options.Add(Pcap);
            command.Validators.Add(r =>
            {
                if (r.GetValue(All) && r.GetValue(None))
                {
                    r.AddError("--wire and --no-wire: give one of them (--wire shows every exercise's ladders, --no-wire none)");
                }
            });
        }

        public Wire.WireSettings Read(ParseResult r, Wire.IWireSource? source = null) =>
            new(r.GetValue(All) ? Wire.WireMode.All : r.GetValue(None) ? Wire.WireMode.None : Wire.WireMode.Default, r.GetValue(Pcap), source);
    }

    public static Option<bool> TrustNewCert() => new("--trust-new-cert")
    {
        Description = "Accept and pin the agent's certificate even if it differs from the pinned one (after a reinstall)",
    };

    public static Option<FileInfo> KnownHostsFile() => new("--known-hosts")
    {
        Description = "Where pinned certificate fingerprints are kept (default ~/.config/netlab/known_hosts, or $NETLAB_CONFIG_DIR)",
        HelpName = "file",
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            return text.Length == 0 || Directory.Exists(text)
                ? OptionParsers.Fail<FileInfo>(r, $"--known-hosts: '{text}' is not a file name; e.g. --known-hosts ~/.config/netlab/known_hosts")
                : new FileInfo(text);
        },
    };

    public static Lab.KnownHosts LoadPins(FileInfo? file) => Lab.KnownHosts.Load(file?.FullName ?? Lab.KnownHosts.DefaultPath);

    public static IReadOnlyList<Exercise> Select(string[]? only) =>
        only is null || only.Length == 0 ? Catalog.All : Catalog.All.Where(e => only.Contains(e.Id)).ToList();

    /// <summary>The option's name as the user typed it (-w or --wait), for messages.</summary>
    public static string Typed(ArgumentResult r, string name) => (r.Parent as OptionResult)?.IdentifierToken?.Value ?? name;
}
