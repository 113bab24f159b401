using System.CommandLine;
using System.Globalization;
using Amazon.Runtime;
using NetLab.Cli.Cloud;
using Spectre.Console;

namespace NetLab.Cli.Commands;

/// <summary><c>netlab status</c>: every lab host in AWS, its state, and what it has cost so far.</summary>
internal static class StatusCommand
{
    public static Command Create(CliIO io)
    {
        var cloud = new CloudOptions(io);
        var allRegions = new Option<bool>("--all-regions") { Description = "Look in every region (a forgotten lab host can be anywhere)" };
        var json = CommonOptions.Json();
        var command = new Command("status", """
            List every NetLabCloud lab host (EC2 instances tagged netlab:lab=NetLabCloud): its state, type, last
            start, uptime, the compute cost since then (an embedded on-demand price table), and the cost ceiling:
            when AWS stops it (maxHours after each start, whatever the host does) and the time left.

            Examples:
              netlab status
              netlab status --region eu-west-1
              netlab status --all-regions --json
            """)
        {
            allRegions, json,
        };
        cloud.AddTo(command);
        command.SetAction(async (r, ct) =>
        {
            var isJson = r.GetValue(json);
            List<LabInstance> instances;
            try
            {
                var (regions, error) = await cloud.RegionsAsync(r, r.GetValue(allRegions), ct);
                if (error is not null)
                {
                    return Fail.Write(io, isJson, error, ExitCodes.UsageOrConnection);
                }

                instances = await cloud.ListAsync(r, regions, ct);
            }
            catch (Exception e) when (e is AmazonClientException or HttpRequestException)
            {
                return Fail.Connection(io, isJson, LabInstances.Explain(e));
            }

            Render(io, instances, isJson, DateTime.UtcNow);
            return ExitCodes.Success;
        });
        return command;
    }

    internal static void Render(CliIO io, IReadOnlyList<LabInstance> instances, bool json, DateTime now)
    {
        var costs = instances.Select(i => PriceTable.CostSoFar(i, now)).ToList();
        var total = costs.Sum(c => c ?? 0m);
        if (json)
        {
            io.Json(new StatusDocument(
                instances.Select((i, n) => new StatusInstance(
                    i.Region, i.Id, i.State, i.Type, i.LaunchTime,
                    UptimeHours: Uptime(i, now) is { } up ? Math.Round(up.TotalHours, 2) : null,
                    i.PublicIp, PriceTable.HourlyPrice(i.Type), costs[n], i.MaxHours, i.CeilingAt,
                    HoursLeft: i.CeilingAt is { } at ? Math.Round(Math.Max(0, (at - now).TotalHours), 2) : null)).ToList(),
                TotalCostSoFar: total,
                Currency: "USD"));
            return;
        }

        if (instances.Count == 0)
        {
            io.Line("No lab hosts: nothing is running, nothing is costing money.");
            return;
        }

        var table = new Table().AddColumns("region", "instance", "state", "type", "started (UTC)", "uptime", "public IP", "$/hour", "cost so far", "AWS stops it");
        for (var n = 0; n < instances.Count; n++)
        {
            var i = instances[n];
            table.AddRow(i.Region, i.Id, i.State, i.Type, i.LaunchTime?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "-",
                Uptime(i, now) is { } up ? $"{(int)up.TotalHours}h{up.Minutes:00}m" : "-", i.PublicIp ?? "-",
                PriceTable.HourlyPrice(i.Type) is { } p ? $"${p:0.0000}" : "?", costs[n] is { } c ? $"${c:0.00}" : "? (type not in the price table)",
                Ceiling(i, now));
        }

        io.Console.Write(table);
        var running = instances.Count(i => i.State == "running");
        io.Line($"{instances.Count} lab host(s), {running} running; compute so far ${total:0.00}. Stop paying: `netlab down`");
    }

    /// <summary>When the cost ceiling stops a running host, and the time left; what a stopped one would get.</summary>
    private static string Ceiling(LabInstance i, DateTime now) =>
        i.CeilingAt is { } at ? $"{at.ToString("HH:mm", CultureInfo.InvariantCulture)} ({Left(at - now)} left)"
        : i.MaxHours is > 0 ? $"{i.MaxHours} h after a start"
        : i.MaxHours == 0 ? "never (maxHours=0)"
        : "-";

    private static string Left(TimeSpan left) => left <= TimeSpan.Zero ? "due now" : $"{(int)left.TotalHours}h{left.Minutes:00}m";

    private static TimeSpan? Uptime(LabInstance i, DateTime now) =>
        i.State == "running" && i.LaunchTime is { } launched ? now - launched : null;
}
