using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Exercises;

internal sealed class UdpExercise : Exercise
{
    private const int Probes = 200;

    public override string Id => "udp";

    public override string Title => "UDP: loss, reordering, RTT";

    public override string Teaches => "UDP sends datagrams with no handshake and no retransmission: each probe carries its sequence number, so loss and reordering show.";

    public override string? WireLesson(Wire.WireView view) => Wire.WireLessons.Datagrams(view);

    public override string TryByHand(string host, int port) => $"`nc -u {host} {port}`   (each line comes back)";

    public override async Task RunAsync(ExerciseContext context, Figures figures, CancellationToken ct)
    {
        var address = await Net.ResolveAsync(context.Host, ct);
        using var udp = new UdpClient(address.AddressFamily);
        udp.Connect(address, context.Port);

        var sentAt = new long[Probes];
        var rtts = new List<double>();
        var seen = new HashSet<int>();
        var arrivals = new List<(int Seq, double Ms, bool Reordered)>(Probes);
        var reordered = 0;
        var highest = -1;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var receiving = Task.Run(async () =>
        {
            try
            {
                while (seen.Count < Probes)
                {
                    var reply = await udp.ReceiveAsync(stop.Token);
                    var parts = Encoding.ASCII.GetString(reply.Buffer).Split(' ');
                    if (parts.Length == 3 && parts[0] == "netlab-udp" && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var seq) && seq is >= 0 and < Probes && seen.Add(seq))
                    {
                        var rtt = Stopwatch.GetElapsedTime(sentAt[seq]).TotalMilliseconds;
                        rtts.Add(rtt);
                        arrivals.Add((seq, rtt, seq < highest));
                        reordered += seq < highest ? 1 : 0;
                        highest = Math.Max(highest, seq);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Whatever has not come back by now counts as lost.
            }
            catch (SocketException)
            {
                // ICMP port unreachable: nothing listens on UDP; counted as lost.
            }
        }, ct);

        for (var seq = 0; seq < Probes; seq++)
        {
            sentAt[seq] = Stopwatch.GetTimestamp();
            await udp.SendAsync(Encoding.ASCII.GetBytes($"netlab-udp {seq} {sentAt[seq]}"), ct);
            if (seq == 0)
            {
                Wire.LocalEndpoints.Record(udp.Client); // bound by the first send: the client's view of its port
            }
            if (seq % 10 == 9)
            {
                await Task.Delay(1, ct);
            }
        }

        // The last answers take a round trip; what has not come within three of them, or half a second, is lost.
        stop.CancelAfter(context.WaitFor(TimeSpan.FromSeconds(0.5), roundTrips: 3));
        await receiving;

        // Every probe in the order sent, for the report's picture of loss and reordering (kept even when all were lost).
        var probes = Enumerable.Range(0, Probes).Select(seq => new UdpProbe(seq, Lost: true, null, null, Reordered: false)).ToArray();
        for (var i = 0; i < arrivals.Count; i++)
        {
            var (seq, ms, late) = arrivals[i];
            probes[seq] = new UdpProbe(seq, Lost: false, Math.Round(ms, 4), i, late);
        }

        figures.Samples = new UdpSamples(probes);
        Expect.That(seen.Count > 0, $"some of the {Probes} datagrams echoed back", "none: is UDP port open in the firewall (security group)? Or the agent's UDP rate for your address is spent " +
            "(a class behind one address shares one; deploy with `netlab up --cidr <campus network>`)");
        rtts.Sort();
        var median = Figures.Percentile(rtts, 50);
        var p99 = Figures.Percentile(rtts, 99);
        figures.Add("sent / received", $"{Probes} / {seen.Count}", ("sent", Probes), ("received", seen.Count));
        figures.Add("loss", 100.0 * (Probes - seen.Count) / Probes, Unit.Percent);
        figures.Add("reordered", reordered, Unit.Count);
        figures.Add("RTT min / median / p99", $"{Figures.Ms(rtts[0])} / {Figures.Ms(median)} / {Figures.Ms(p99)}",
            ("rttMinMs", Unit.Ms.Json(rtts[0])), ("rttMedianMs", Unit.Ms.Json(median)), ("rttP99Ms", Unit.Ms.Json(p99)));
        if (context.TcpRttMedianMs is { } tcp)
        {
            figures.Add("vs TCP echo median", tcp, Unit.Ms, key: "tcpRttMedianMs");
        }
    }
}
