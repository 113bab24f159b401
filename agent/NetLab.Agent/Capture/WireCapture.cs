using System.Net;
using NetLab.Wire;

namespace NetLab.Agent.Capture;

/// <summary>Whether the agent records its lab port's packets (<c>--capture</c>).</summary>
public enum CaptureMode
{
    /// <summary>Capture when the process may (CAP_NET_RAW, on Linux); say why not otherwise.</summary>
    Auto,

    /// <summary>Never capture (an operator's choice).</summary>
    Off,
}

/// <summary>
/// The agent's capture as the routes and sessions see it: on (a <see cref="PacketCapture"/> filling the store) or off
/// with the sentence that says why, and the store of what was seen.
/// </summary>
internal sealed class WireCapture(CaptureStore store) : IDisposable
{
    private PacketCapture? _packets;

    /// <summary>The packets kept.</summary>
    public CaptureStore Store => store;

    /// <summary>Why capture is off ("capture is off: needs CAP_NET_RAW"); null once it is on. Before the start: not started.</summary>
    public string? Off { get; private set; } = "capture is off: not started";

    /// <summary>Starts capturing the agent's ports, as <paramref name="mode"/> allows; returns <see cref="Off"/>.</summary>
    public string? Start(CaptureMode mode, int tcpPort, int udpPort)
    {
        if (mode == CaptureMode.Off)
        {
            Off = "capture is off: turned off by the operator (--capture off)";
            return Off;
        }

        _packets = PacketCapture.TryStart(tcpPort, udpPort, store, out var off);
        Off = off;
        return Off;
    }

    /// <summary>The sequence number of the newest packet, once every packet the kernel has seen is in the store.</summary>
    public long Now()
    {
        _packets?.Drain();
        return store.Packets;
    }

    /// <summary>Packets the kernel dropped before the capture could take them (its ring was full); 0 when off.</summary>
    public long Dropped => _packets?.Dropped ?? 0;

    /// <summary>What <see cref="CaptureStore.Read"/> gives, after every packet the kernel has already seen is in the store.</summary>
    public List<CapturedPacket> Read(IPAddress address, long since = 0, int? port = null, WireProtocol? protocol = null)
    {
        _packets?.Drain();
        return store.Read(address, since, port, protocol);
    }

    public void Dispose()
    {
        _packets?.Dispose();
        store.Dispose();
    }
}
