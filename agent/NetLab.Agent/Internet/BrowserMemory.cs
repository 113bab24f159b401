using System.Net;

namespace NetLab.Agent.Internet;

/// <summary>
/// Which addresses had a browser speak plain HTTP on the lab port moments ago. A browser opens connections before
/// it has anything to send (a preconnect while you type or hover, a backup connection when the first is slow, spare
/// sockets for a page) and may leave one silent for minutes: Chromium 156 closed an unused one after 110 s. On a
/// port where the server speaks first to silence, such a socket gets the text banner, which the browser later reads
/// as its HTTP response (ERR_INVALID_HTTP_RESPONSE). So a silent connection from an address in this memory waits
/// <see cref="AgentOptions.BrowserSniffTimeout"/> for its first bytes instead of the sniff window. An nc user on that
/// address meanwhile gets the banner late, but anything typed is answered at once, and a person who spoke first or
/// outwaited the browser's wait is remembered as one: the address is forgotten.
/// </summary>
internal sealed class BrowserMemory
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _memory;
    private readonly AddressTable<Seen> _seen;

    public BrowserMemory(TimeSpan memory, TimeProvider time)
    {
        _time = time;
        _memory = memory;
        _seen = new AddressTable<Seen>(_ => new Seen(), seen => _time.GetUtcNow() - seen.At > _memory);
    }

    /// <summary>True for a request a browser made: every browser's User-Agent starts "Mozilla/" (curl, wget and netlab's do not).</summary>
    public static bool IsBrowser(string? userAgent) => userAgent?.StartsWith("Mozilla/", StringComparison.Ordinal) == true;

    /// <summary>A browser at <paramref name="address"/> made a plain HTTP request on the lab port now.</summary>
    public void Saw(IPAddress address)
    {
        if (_memory <= TimeSpan.Zero)
        {
            return;
        }

        lock (_lock)
        {
            if (_seen.GetOrAdd(address) is { } seen)
            {
                seen.At = _time.GetUtcNow();
            }
        }
    }

    /// <summary>Whether a browser at <paramref name="address"/> spoke HTTP on the lab port within the memory.</summary>
    public bool IsBrowsing(IPAddress address)
    {
        lock (_lock)
        {
            return _seen.Find(address) is { } seen && _time.GetUtcNow() - seen.At <= _memory;
        }
    }

    /// <summary>A person is at <paramref name="address"/> (it spoke text first, or sat silent past a browser's wait): its banners come at once again.</summary>
    public void Forget(IPAddress address)
    {
        lock (_lock)
        {
            _seen.Remove(address);
        }
    }

    private sealed class Seen
    {
        public DateTimeOffset At { get; set; }
    }
}
