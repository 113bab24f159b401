using NetLab.Cli.Wan;
using NetLab.Wire;

namespace NetLab.Cli.Wire;

/// <summary>
/// <c>netlab lab --wan</c>'s packets: the path emulator's own record, which sees every packet both ways, the ones it
/// lost and the SYNs the lab host's firewall dropped among them, as each left its sender.
/// </summary>
internal sealed class PathWireSource(PathCapture capture, TimeSpan rtt) : IWireSource
{
    private long _cursor;

    public WireVantage Vantage => WireVantage.Path;

    public async Task<string?> StartAsync(CancellationToken ct)
    {
        await MarkAsync(ct); // what came before the first exercise (the agent probe) is not an exercise's
        return null;
    }

    public Task MarkAsync(CancellationToken ct)
    {
        capture.TakeSince(ref _cursor);
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<WirePacket>> NextAsync(CancellationToken ct)
    {
        // The exercise's last packets (the host's FIN, your last ACK) are a round trip behind its end.
        await Task.Delay(rtt + TimeSpan.FromMilliseconds(20), ct);
        return capture.TakeSince(ref _cursor);
    }
}
