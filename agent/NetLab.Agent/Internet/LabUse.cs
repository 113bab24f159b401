using System.Net;

namespace NetLab.Agent.Internet;

/// <summary>
/// What keeps a lab host alive: lab use from another machine, not the noise of the internet. The host's
/// idle time-to-live goes by <see cref="SinceLastUse"/>.
/// </summary>
/// <remarks>
/// The rule (docs/internet.md states it too). A <em>lab action</em> is: a turn in a text session (the client sent
/// one or more whole lines, then waited for the answer; a slash command counts twice); an HTTP request that a
/// lab route answered (not /health, not a 404); a UDP datagram that is a netlab probe or a line of text, as
/// <c>nc -u</c> sends, within the UDP rate limits; progress of a transfer. An address counts as a student once
/// it has made <see cref="ActionsToEngage"/> actions within <see cref="Window"/>; from then on each of its
/// actions is lab use, until it is silent for a whole window. So a scanner's connect-probe-close, a held
/// silent connection, a memcached UDP probe and outside <c>/health</c> polls never count, and neither do
/// probes from rotating addresses, a session whose first line is another service's protocol (memcached's
/// <c>stats</c>: see ForeignProtocol), a turn of blank lines, and a scanner's burst from one address (GET / over
/// HTTP and over TLS, a banner grab: the same request twice counts once); a <c>netlab connect</c> run, a person
/// typing in nc or telnet, curl or a browser, and a UDP exercise do. Loopback never counts (the host's own checks come from there). An ssh
/// login on the host counts too: <c>idle-check</c> reads the login records.
/// </remarks>
internal sealed class LabUse(TimeProvider time)
{
    /// <summary>Actions within <see cref="Window"/> that make an address a student.</summary>
    public const int ActionsToEngage = 2;

    /// <summary>How long an address's actions are remembered, and how long a student may be silent and still be one.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    private readonly Lock _gate = new();
    private readonly DateTimeOffset _started = time.GetUtcNow();
    private readonly AddressTable<Entry> _addresses = new(
        _ => new Entry { FirstAt = time.GetTimestamp() },
        forgettable: e => time.GetElapsedTime(e.LastAt) >= Window, // what no longer matters
        crowded: e => !e.Engaged); // a flood of addresses: the non-students
    private long _lastUse; // timestamp of the last lab use; 0 = none since start

    /// <summary>Time since the last lab use, or since the agent started when there was none.</summary>
    public TimeSpan SinceLastUse
    {
        get
        {
            lock (_gate)
            {
                return _lastUse == 0 ? time.GetUtcNow() - _started : time.GetElapsedTime(_lastUse);
            }
        }
    }

    /// <summary>Addresses counted as students now (acted within the window).</summary>
    public int Students
    {
        get
        {
            lock (_gate)
            {
                var now = time.GetTimestamp();
                return _addresses.Values.Count(e => e.Engaged && time.GetElapsedTime(e.LastAt, now) < Window);
            }
        }
    }

    /// <summary>
    /// Records one lab action (or <paramref name="weight"/> of them) by <paramref name="address"/>. An action named
    /// by <paramref name="what"/> (an HTTP request's method and path) does not count again when it repeats the
    /// address's last one: a scanner's burst asks for <c>GET /</c> over HTTP and again over TLS, a student moves on.
    /// </summary>
    public void Record(IPAddress address, int weight = 1, string? what = null)
    {
        if (IPAddress.IsLoopback(address))
        {
            return;
        }

        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (_addresses.GetOrAdd(address) is not { } entry)
            {
                return; // the table is full of students: a new address waits for room
            }

            if (time.GetElapsedTime(entry.Engaged ? entry.LastAt : entry.FirstAt, now) >= Window)
            {
                // Silent for a whole window (a student), or its few actions are too old (not yet one): start over.
                entry.Engaged = false;
                entry.Actions = 0;
                entry.FirstAt = now;
                entry.LastWhat = null;
            }

            if (what is not null && !entry.Engaged && what == entry.LastWhat)
            {
                return; // the same request again, before the address is a student: a scanner's burst is not two actions
            }

            entry.LastWhat = what;
            entry.Actions += weight;
            entry.LastAt = now;
            if (entry.Actions >= ActionsToEngage)
            {
                entry.Engaged = true;
                _lastUse = now;
            }
        }
    }

    private sealed class Entry
    {
        public int Actions;
        public string? LastWhat;
        public required long FirstAt;
        public long LastAt;
        public bool Engaged;
    }
}
