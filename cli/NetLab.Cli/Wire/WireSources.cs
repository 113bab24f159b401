using System.Globalization;
using NetLab.Cli.Lab;
using NetLab.Wire;

namespace NetLab.Cli.Wire;

/// <summary>Where an exercise's packets come from: the agent's own capture, or the --wan path's record.</summary>
internal interface IWireSource
{
    /// <summary>Where the packets were seen.</summary>
    WireVantage Vantage { get; }

    /// <summary>
    /// Called before the first exercise: marks where this run's packets begin. Returns the one line to say when there
    /// will be no packets (the agent cannot capture), else null; an agent too old to capture is skipped quietly.
    /// </summary>
    Task<string?> StartAsync(CancellationToken ct);

    /// <summary>The packets seen since the previous call (the exercise just run); empty when there are none to have.</summary>
    Task<IReadOnlyList<WirePacket>> NextAsync(CancellationToken ct);

    /// <summary>Skips what was seen so far: the next exercise's packets begin here (after exercises that were not fetched).</summary>
    Task MarkAsync(CancellationToken ct);
}

/// <summary>
/// The agent's capture of this address's packets (<c>GET /capture?since=N</c>, pcapng), fetched after each exercise on
/// a connection of its own, which the agent leaves out of later answers.
/// </summary>
internal sealed class AgentCapture(string host, int port) : IWireSource
{
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(5);
    private long? _cursor;
    private bool _unavailable;

    public WireVantage Vantage => WireVantage.Host;

    public async Task<string?> StartAsync(CancellationToken ct)
    {
        var (status, response) = await FetchAsync("/capture?since=now", ct);
        if (status is null)
        {
            _unavailable = true;
            return null; // unreachable now: the exercises will say why
        }

        if (status == 503)
        {
            _unavailable = true;
            var why = response!.BodyText.Split('\n')[0].Trim();
            return $"the lab host cannot record packets ({(why.Length > 0 ? why : "capture is off")}), so there are no ladders in this run";
        }

        if (status != 200)
        {
            _unavailable = true; // an agent from before captures: nothing to say
        }

        return null;
    }

    public async Task MarkAsync(CancellationToken ct)
    {
        if (!_unavailable)
        {
            await FetchAsync("/capture?since=now", ct);
        }
    }

    public async Task<IReadOnlyList<WirePacket>> NextAsync(CancellationToken ct)
    {
        if (_unavailable)
        {
            return [];
        }

        var (status, response) = await FetchAsync(_cursor is { } since ? $"/capture?since={since}" : "/capture", ct);
        if (status != 200)
        {
            return [];
        }

        try
        {
            return Pcapng.Read(response!.Body);
        }
        catch (InvalidDataException)
        {
            return [];
        }
    }

    private async Task<(int? Status, RawResponse? Response)> FetchAsync(string target, CancellationToken ct)
    {
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(FetchTimeout);
            await using var stream = new ConnectOnWriteStream(host, port);
            var response = await RawHttp.ExchangeAsync(stream, RawHttp.Request("GET", target, host), limit.Token);
            if (response.Header("X-Netlab-Capture-Next") is { } next && long.TryParse(next, NumberStyles.None, CultureInfo.InvariantCulture, out var cursor))
            {
                _cursor = cursor;
            }

            return (response.Status, response);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.Sockets.SocketException or UnexpectedReplyException)
        {
            ct.ThrowIfCancellationRequested();
            return (null, null);
        }
    }
}
