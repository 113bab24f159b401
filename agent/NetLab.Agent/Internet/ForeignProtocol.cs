using System.Buffers;
using System.Text;

namespace NetLab.Agent.Internet;

/// <summary>
/// A first line that is another service's protocol: what scanners send to port 11211 (memcached's) and to every
/// port, looking for memcached, redis, a mail or file server. A session that starts so is a probe, and none of
/// its lines is lab use; the agent still answers it as any session (<c>What?</c>), which costs a few bytes.
/// </summary>
/// <remarks>
/// memcached's text commands are lowercase and case-sensitive (<c>stats</c>, <c>version</c>, <c>get k</c>,
/// <c>set k 0 0 1</c>...); redis takes RESP arrays (<c>*1\r\n$4\r\nPING</c>) or inline commands, which scanners
/// send in capitals (<c>PING</c>, <c>INFO</c>); SMTP's <c>EHLO</c>/<c>HELO</c> (RFC 5321), FTP's <c>USER</c>,
/// POP3's <c>CAPA</c>, IMAP's tagged <c>CAPABILITY</c>, nmap's <c>HELP</c>, likewise. Control bytes in the first
/// line (binary protocols: memcached's binary magic 0x80, RDP, SMB, TLS-less handshakes) are a probe too. What
/// a person types first (<c>hello</c>, <c>/help</c>, <c>help</c>) and <c>netlab connect</c>'s <c>/whoami</c> are not.
/// </remarks>
internal static class ForeignProtocol
{
    private static readonly HashSet<string> Memcached = new(StringComparer.Ordinal)
    {
        "stats", "version", "get", "gets", "gat", "gats", "set", "add", "replace", "append", "prepend", "cas", "delete",
        "incr", "decr", "touch", "flush_all", "verbosity", "lru_crawler", "slabs", "watch", "shutdown", "cache_memlimit",
    };

    private static readonly HashSet<string> Shouted = new(StringComparer.Ordinal)
    {
        "PING", "INFO", "CONFIG", "AUTH", "CLIENT", "KEYS", "FLUSHALL", "SLAVEOF", "REPLICAOF", "MODULE", "EVAL", "DBSIZE", "COMMAND", "ECHO",
        "EHLO", "HELO", "STARTTLS", "USER", "PASS", "SYST", "FEAT", "CAPA", "STLS", "HELP", "NOOP", "STAT", "LIST", "QUIT", "MAIL", "RCPT", "DATA",
    };

    /// <summary>True when <paramref name="line"/> (without its line ending), as a session's first, is another service's protocol.</summary>
    public static bool IsProbe(ReadOnlySequence<byte> line)
    {
        if (line.IsEmpty || line.Length > 512)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[(int)line.Length];
        line.CopyTo(bytes);
        foreach (var b in bytes)
        {
            if (b < 0x20 && b != (byte)'\t' || b == 0x7f || b >= 0x80 && bytes[0] >= 0x80)
            {
                return true; // binary: no one types that
            }
        }

        var text = Encoding.ASCII.GetString(bytes);
        var first = text.Split(' ', 2)[0];
        return Memcached.Contains(first)
            || Shouted.Contains(first)
            || (text.Length >= 2 && text[0] == '*' && char.IsAsciiDigit(text[1])) // a RESP array
            || text.Split(' ') is [{ Length: > 0 } tag, "CAPABILITY" or "LOGIN" or "STARTTLS"] && !tag.StartsWith('/');
    }
}
