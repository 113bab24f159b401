using Microsoft.Extensions.Logging;
using NetLab.Agent.Capture;
using NetLab.Agent.Internet;
using NetLab.Agent.Listening;
using NetLab.Agent.Storage;
using NetLab.Agent.Transfers;

namespace NetLab.Agent.Text;

/// <summary>What text sessions use, and all they use. Each part is a plain object, so a test can build one without a host.</summary>
/// <param name="Port">The lab port, which every hint a session gives names.</param>
/// <param name="Limits">The agent's limits.</param>
/// <param name="Files">The file store (/recv, /send, /files, /cat, /sha256, /rm).</param>
/// <param name="Rooms">Chat rooms (/join).</param>
/// <param name="Arming">Armed raw transfers (/recv, /send).</param>
/// <param name="Listens">Terminals on the host waiting for a connection (/listen, from netlab-agent listen).</param>
/// <param name="Use">Lab use, which keeps the host alive.</param>
/// <param name="Sessions">Every open session (the agent's warnings go to all of them).</param>
/// <param name="Capture">The lab port's packets (/wire).</param>
/// <param name="Time">The agent's clock.</param>
/// <param name="Logger">Where session events are logged.</param>
/// <param name="Stopping">Cancelled when the agent stops: idle sessions say goodbye.</param>
internal sealed record TextServices(
    int Port,
    AgentLimits Limits,
    FileStore Files,
    ChatRooms Rooms,
    TransferArming Arming,
    ListenBridges Listens,
    LabUse Use,
    TextSessions Sessions,
    WireCapture Capture,
    TimeProvider Time,
    ILogger Logger,
    CancellationToken Stopping);

/// <summary>Every open text session, for what the agent says to all of them (its lifetime warnings).</summary>
internal sealed class TextSessions
{
    private readonly Lock _gate = new();
    private readonly HashSet<TextSession> _open = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _open.Count;
            }
        }
    }

    public void Add(TextSession session)
    {
        lock (_gate)
        {
            _open.Add(session);
        }
    }

    public void Remove(TextSession session)
    {
        lock (_gate)
        {
            _open.Remove(session);
        }
    }

    /// <summary>Posts a line to every open session without waiting for any; returns how many took it.</summary>
    public int Broadcast(string line)
    {
        TextSession[] all;
        lock (_gate)
        {
            all = [.. _open];
        }

        return all.Count(s => s.Post(line));
    }
}
