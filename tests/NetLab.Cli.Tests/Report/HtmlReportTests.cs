using System.Security.Cryptography;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using NetLab.Cli.Commands;
using NetLab.Cli.Exercises;
using NetLab.Cli.Report;

namespace NetLab.Cli.Tests.Report;

/// <summary>
/// The HTML report's writer, on a run made by hand: every exercise and chart present, text from the run escaped,
/// and each copy button carrying its command exactly. The page is well-formed XML, so it is read here as XML.
/// </summary>
public class HtmlReportTests
{
    private const string Hostile = "<script>alert(\"x\")</script> & 'quotes'";
    private const string Piped = "printf '/source 256M\\n' | nc 127.0.0.1 11211 | pv > /dev/null";
    private static readonly DateTimeOffset At = new(2026, 12, 3, 14, 5, 0, TimeSpan.Zero);
    private static readonly string[] AllCharts = ["echo-rtt", "udp-rtt", "udp-sequence", "transfer-rate", "pipe-vs-socket", "http-routes", "https-routes"];
    private static readonly string[] ExpectedCommands = [Piped, "a && b <c> \"d\"", "nc -u 127.0.0.1 11211"];

    [Fact]
    public void Every_exercise_has_a_section_with_its_verdict_figures_lesson_and_commands()
    {
        var run = Run();
        var page = Parse(HtmlReport.Page(run, "keep one running: `netlab lab --serve`", At));

        var sections = page.Descendants("section").ToDictionary(s => (string)s.Attribute("data-exercise")!);
        Assert.Equal(run.Exercises.Select(e => e.Id), sections.Keys);
        foreach (var exercise in run.Exercises)
        {
            var section = sections[exercise.Id];
            Assert.Contains(exercise.Passed ? "PASS" : "FAIL", Text(section.Descendants("span").First(s => Class(s) == "badge")));
            Assert.Equal(exercise.Passed ? "exercise pass" : "exercise fail", Class(section));
            Assert.Equal(exercise.Teaches, Text(section.Descendants("p").Single(p => Class(p) == "teaches")));
            var figures = section.Descendants("dt").Select(Text).ToList();
            Assert.All(exercise.Display.Keys, name => Assert.Contains(name, figures));
            Assert.Contains(section.Descendants("button"), b => Class(b) == "copy");
        }

        // The summary: where, how many passed and failed, how long, when; the note with its command.
        var summary = page.Descendants("header").Single();
        var facts = summary.Descendants("dl").First().Elements("div").ToDictionary(d => Text(d.Element("dt")!), d => Text(d.Element("dd")!));
        Assert.Equal("127.0.0.1", facts["host"]);
        Assert.Equal("11211", facts["port"]);
        Assert.Equal("8", facts["passed"]);
        Assert.Equal("1", facts["failed"]);
        Assert.Equal("9.8 s", facts["time"]);
        Assert.Equal("2026-12-03 14:05 UTC", facts["run"]);
        Assert.Contains("1 of 9 exercises failed", Text(summary));
        Assert.Contains(summary.Descendants("button"), b => (string?)b.Attribute("data-copy") == "netlab lab --serve");
    }

    [Fact]
    public void A_failed_exercise_shows_its_error_with_expected_and_got()
    {
        var page = Parse(HtmlReport.Page(Run(), null, At));

        var failed = page.Descendants("section").Single(s => (string?)s.Attribute("data-exercise") == "tls");
        var failure = failed.Descendants("div").Single(d => Class(d) == "failure");
        Assert.Equal("alert", (string?)failure.Attribute("role"));
        Assert.Contains("expected a certificate, got nothing: try", Text(failure));
        var terms = failure.Descendants("div").ToDictionary(d => Text(d.Element("dt")!), d => Text(d.Element("dd")!));
        Assert.Equal("a certificate", terms["expected"]);
        Assert.Equal(Hostile, terms["got"]);
        Assert.Contains(failure.Descendants("button"), b => (string?)b.Attribute("data-copy") == "openssl s_client -connect 127.0.0.1:11211");
    }

    [Fact]
    public void Text_from_the_run_is_escaped_and_reads_back_as_it_was()
    {
        var html = HtmlReport.Page(Run(), Hostile, At);

        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;", html, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "<script>")); // the copy buttons' own, and no other

        var page = Parse(html);
        var chat = page.Descendants("section").Single(s => (string?)s.Attribute("data-exercise") == "chat");
        Assert.Contains(chat.Descendants("dd"), dd => Text(dd) == Hostile);
        Assert.Equal(Hostile, Text(chat.Descendants("p").Single(p => Class(p) == "teaches")));
        Assert.Contains(Hostile, Text(page.Descendants("p").Single(p => Class(p) == "note")));
    }

    [Fact]
    public void Each_copy_button_carries_its_command_exactly_beside_the_command_shown()
    {
        var page = Parse(HtmlReport.Page(Run(), null, At));

        var udp = page.Descendants("section").Single(s => (string?)s.Attribute("data-exercise") == "udp");
        var commands = udp.Descendants("div").Single(d => Class(d) == "try").Descendants("span").Where(s => Class(s) == "cmd").ToList();
        Assert.Equal(ExpectedCommands, commands.Select(c => (string?)c.Element("button")!.Attribute("data-copy")));
        foreach (var command in commands)
        {
            // The script selects the code element before the button and copies data-copy: both must be the command.
            Assert.Equal((string?)command.Element("button")!.Attribute("data-copy"), Text(command.Element("code")!));
            Assert.Equal("button", (string?)command.Element("button")!.Attribute("type"));
        }

        // The words between commands stay words.
        Assert.Contains("then, in another terminal,", Text(udp.Descendants("div").Single(d => Class(d) == "try")));
    }

    [Fact]
    public void Every_chart_is_an_image_with_a_name_a_description_and_axes_with_units()
    {
        var page = Parse(HtmlReport.Page(Run(), null, At));
        XNamespace svg = "http://www.w3.org/2000/svg";

        var charts = page.Descendants(svg + "svg").ToDictionary(c => (string)c.Attribute("data-chart")!);
        Assert.Equal(AllCharts.Order(), charts.Keys.Order());
        foreach (var (name, chart) in charts)
        {
            Assert.Equal("img", (string?)chart.Attribute("role"));
            var ids = ((string)chart.Attribute("aria-labelledby")!).Split(' ');
            Assert.Equal(chart.Element(svg + "title")!.Attribute("id")!.Value, ids[0]);
            Assert.Equal(chart.Element(svg + "desc")!.Attribute("id")!.Value, ids[1]);
            Assert.False(string.IsNullOrWhiteSpace(chart.Element(svg + "title")!.Value), name);
            Assert.False(string.IsNullOrWhiteSpace(chart.Element(svg + "desc")!.Value), name);
            Assert.StartsWith("0 0 ", (string?)chart.Attribute("viewBox"));
            Assert.Null(chart.Attribute("width")); // the page's CSS sizes it, so it scales down to a phone

            var axisLabels = chart.Descendants(svg + "text").Where(t => Class(t) == "axis-label").Select(t => t.Value).ToList();
            Assert.NotEmpty(axisLabels);
            Assert.Contains(axisLabels, l => l.Contains("(ms)", StringComparison.Ordinal) || l.Contains("(MB/s)", StringComparison.Ordinal));
            Assert.Equal(chart.Element(svg + "title")!.Value, Text(chart.Parent!.Element("figcaption")!));
        }

        // Loss and reordering are told apart by shape as well as colour: crosses for lost probes, triangles for late ones.
        var sequence = charts["udp-sequence"];
        Assert.Equal(2, sequence.Descendants(svg + "path").Count(p => Class(p) == "cross bad" && p.Element(svg + "title") is not null));
        Assert.Single(sequence.Descendants(svg + "path"), p => Class(p) == "mark s2" && p.Element(svg + "title")?.Value.StartsWith("probe 5:", StringComparison.Ordinal) == true);
        Assert.Contains("2 lost, 1 reordered", charts["udp-sequence"].Element(svg + "title")!.Value);

        // Series differ by dash too, and are named where they end.
        var transfer = charts["transfer-rate"];
        Assert.Contains(transfer.Descendants(svg + "path"), p => Class(p) == "line s2 dashed");
        Assert.Contains(transfer.Descendants(svg + "text"), t => t.Value == "download" && Class(t) == "label s2");
    }

    [Fact]
    public void An_exercise_with_packets_draws_its_ladder_with_the_nat_rewrite()
    {
        var packets = Wire.LadderTests.TextSession().All;
        var flows = NetLab.Wire.WireFlow.Group(packets, [11211]);
        var local = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("192.168.1.23"), 53164);
        var view = NetLab.Cli.Wire.WireView.Build(flows, [(NetLab.Wire.WireProtocol.Tcp, local)], NetLab.Wire.WireVantage.Host);
        var run = Run();
        var tcp = run.Exercises[0] with { Id = "tcp", View = view };
        var page = Parse(HtmlReport.Page(run with { Exercises = [tcp, .. run.Exercises.Skip(1)] }, null, At));
        XNamespace svg = "http://www.w3.org/2000/svg";

        var ladder = page.Descendants(svg + "svg").Single(c => (string?)c.Attribute("data-chart") == "tcp-ladder-0");
        Assert.Equal("TCP 203.0.113.9:61234 -> 10.0.0.5:11211, as the lab host saw it", ladder.Element(svg + "title")!.Value);
        Assert.Contains("your router rewrote 192.168.1.23:53164 into 203.0.113.9:61234", ladder.Element(svg + "desc")!.Value, StringComparison.Ordinal);
        var labels = ladder.Descendants(svg + "text").Where(t => Class(t) == "ladder-label").Select(t => t.Value).ToList();
        Assert.Equal(11, labels.Count);
        Assert.Equal(["SYN seq=0", "SYN-ACK seq=0 ack=1", "ACK ack=1"], labels.Take(3));
        Assert.Contains(ladder.Descendants(svg + "text"), t => Class(t) == "ladder-note" && t.Value.StartsWith("handshake: one round trip, 84.1 ms", StringComparison.Ordinal));
        Assert.Equal(11, ladder.Descendants(svg + "path").Count(p => Class(p).StartsWith("line ladder-arrow", StringComparison.Ordinal)) / 2);
    }

    [Fact]
    public void The_page_loads_nothing_and_allows_only_its_own_inline_style_and_script()
    {
        var html = HtmlReport.Page(Run(), null, At);
        var page = Parse(html);

        Assert.DoesNotContain(page.Descendants(), e => e.Attribute("src") is not null);
        Assert.DoesNotContain(page.Descendants().Attributes("href"), a => !a.Value.StartsWith('#'));
        Assert.Empty(page.Descendants("link"));
        Assert.DoesNotContain("url(http", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.Ordinal);

        var policy = (string)page.Descendants("meta").Single(m => (string?)m.Attribute("http-equiv") == "Content-Security-Policy").Attribute("content")!;
        Assert.StartsWith("default-src 'none';", policy);
        Assert.Contains($"style-src '{Hash(page.Descendants("style").Single().Value)}'", policy);
        Assert.Contains($"script-src '{Hash(page.Descendants("script").Single().Value)}'", policy);
    }

    [Fact]
    public void The_report_files_extension_chooses_a_page_or_Markdown()
    {
        var run = Run();
        Assert.StartsWith("<!DOCTYPE html>", ReportFile.Render(new FileInfo("lab.html"), run, null, At));
        Assert.StartsWith("<!DOCTYPE html>", ReportFile.Render(new FileInfo("LAB.HTM"), run, null, At));
        Assert.StartsWith("# netlab report: 127.0.0.1:11211", ReportFile.Render(new FileInfo("lab.md"), run, null, At));
        Assert.StartsWith("# netlab report: 127.0.0.1:11211", ReportFile.Render(new FileInfo("lab-report"), run, null, At));
    }

    [Fact]
    public void Without_samples_an_exercise_has_no_chart_and_the_page_still_holds_together()
    {
        var bare = Run() with { Exercises = [.. Run().Exercises.Select(e => e with { Samples = null })] };
        var page = Parse(HtmlReport.Page(bare, null, At));

        Assert.Empty(page.Descendants("figure"));
        Assert.Equal(9, page.Descendants("section").Count());
    }

    [Fact]
    public void Charts_hold_up_when_everything_was_lost_or_took_no_time()
    {
        var empty = new RateSeries(0, 0, 0, [new RateInterval(0, 0, 0)]);
        var run = Run() with
        {
            Exercises =
            [
                .. Run().Exercises.Select(e => e.Id switch
                {
                    "echo" => e with { Samples = new EchoSamples([0.5]) },
                    "udp" => e with { Samples = new UdpSamples([.. Enumerable.Range(0, 200).Select(seq => new UdpProbe(seq, Lost: true, null, null, Reordered: false))]) },
                    "transfer" => e with { Samples = new TransferSamples(empty, empty) },
                    "http" => e with { Samples = new HttpSamples([new("GET /", 200, 500, "500 Internal Server Error", 0)]) },
                    "pipe-vs-socket" => e with { Samples = new PipeVsSocketSamples([new("pipe", "pipe (one host)", 0, 0, 0), new("agent", "agent", 0, 0, 0)]) },
                    _ => e,
                }),
            ],
        };

        var html = HtmlReport.Page(run, null, At);
        Assert.DoesNotContain("NaN", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", html, StringComparison.Ordinal);
        XNamespace svg = "http://www.w3.org/2000/svg";
        var charts = Parse(html).Descendants(svg + "svg").ToDictionary(c => (string)c.Attribute("data-chart")!);
        Assert.Equal(AllCharts.Order(), charts.Keys.Order());
        Assert.Contains("200 lost, 0 reordered", charts["udp-sequence"].Element(svg + "title")!.Value);
        Assert.Contains(charts["http-routes"].Descendants(svg + "text"), t => t.Value.Contains("✗ expected 200", StringComparison.Ordinal) && Class(t) == "label bad");
    }

    private static XElement Parse(string html)
    {
        using var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader).Root!;
    }

    private static string Class(XElement e) => (string?)e.Attribute("class") ?? "";

    private static string Text(XElement e) => string.Concat(e.DescendantNodes().OfType<XText>().Where(t => t.Parent?.Name.LocalName != "button").Select(t => t.Value));

    private static string Hash(string text) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>A run of nine exercises with every kind of sample, one failed, and hostile text where the run's text goes.</summary>
    private static RunReport Run()
    {
        var rtts = Enumerable.Range(0, 200).Select(i => 0.05 + (i % 17 * 0.004) + (i == 199 ? 3 : 0)).ToList();
        var probes = Enumerable.Range(0, 200).Select(seq => seq switch
        {
            40 or 120 => new UdpProbe(seq, Lost: true, null, null, Reordered: false),
            5 => new UdpProbe(seq, Lost: false, 0.4, 6, Reordered: true),
            _ => new UdpProbe(seq, Lost: false, 0.06 + (seq % 10 * 0.01), seq, Reordered: false),
        }).ToList();
        var up = Series(8 << 20, 180);
        var down = Series(8 << 20, 21);
        HttpSamples Routes() => new(
        [
            new("GET /", 200, 200, "200 OK", 1.2),
            new("GET /redirect", 301, 301, "301 Moved Permanently", 1.4),
            new("GET /no-such-page", 404, 404, "404 Not Found", 1.1),
            new("GET / HTTPS/1.1", 400, 400, "400 Bad Request", 251.0),
        ]);

        ExerciseResult Result(string id, object? samples, params (string Name, string Value)[] display) =>
            new(id, $"The {id} exercise", Passed: true, 0.123, new Dictionary<string, object>(), display.ToDictionary(d => d.Name, d => d.Value),
                $"What {id} shows.", $"`nc 127.0.0.1 11211`   then `/{id}`", null, null, null, samples);

        return new RunReport(RunReport.SchemaName, "127.0.0.1", 11211, 8, 1, 9.8,
        [
            Result("tcp", null, ("handshake", "0.2 ms")),
            Result("echo", new EchoSamples(rtts), ("RTT median", "0.080 ms")),
            Result("transfer", new TransferSamples(up, down), ("upload", "46.1 MB/s"), ("download", "397.5 MB/s")),
            Result("tls", null) with
            {
                Passed = false,
                Error = "expected a certificate, got nothing: try `openssl s_client -connect 127.0.0.1:11211`",
                Expected = "a certificate",
                Got = Hostile,
            },
            Result("http", Routes(), ("GET /", "200 OK (1.2 ms)")),
            Result("https", Routes(), ("GET /", "200 OK (1.2 ms)")),
            Result("udp", new UdpSamples(probes), ("loss", "1.0 %")) with { Try = $"`{Piped}`, then, in another terminal, `a && b <c> \"d\"` or `nc -u 127.0.0.1 11211`" },
            Result("chat", null, ("bob saw", Hostile)) with { Teaches = Hostile },
            Result("pipe-vs-socket", new PipeVsSocketSamples(
            [
                new("pipe", "pipe (one host)", 64 << 20, 0.036, 1864.1),
                new("loopbackSocket", "loopback socket", 64 << 20, 0.031, 2164.9),
                new("agent", "agent (/source, over the network)", 2 << 20, 1.01, 2.08),
            ]), ("pipe (one host)", "1864.1 MB/s")),
        ]);
    }

    private static RateSeries Series(long bytes, double ms)
    {
        var intervals = Enumerable.Range(0, 40).Select(i => new RateInterval(ms * i / 40, bytes / 40, bytes / 40 / (ms / 40 / 1000) / 1e6)).ToList();
        return new RateSeries(bytes, ms, ms / 40, intervals);
    }
}
