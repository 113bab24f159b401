using System.Buffers.Binary;

namespace NetLab.Agent.Hosting;

/// <summary>
/// Who is logged in on this host, from the login records (utmp, as <c>who</c> reads them): an ssh login is
/// lab use (the tutorial's last part happens on the host), so the time-to-live waits while one is open.
/// </summary>
internal static class LoginRecords
{
    /// <summary>Where glibc keeps the records of who is logged in now.</summary>
    public const string DefaultPath = "/run/utmp";

    // struct utmp on Linux (x86_64 and aarch64 glibc): 384 bytes; ut_type (short) at 0, ut_pid (int) at 4,
    // ut_line (char[32]) at 8, ut_user (char[32]) at 44.
    private const int RecordSize = 384;
    private const short UserProcess = 7;

    /// <summary>Logins open now: user-process records whose process still runs. Zero when the file is missing or unreadable.</summary>
    public static int CountOpen(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        var open = 0;
        for (var offset = 0; offset + RecordSize <= bytes.Length; offset += RecordSize)
        {
            var record = bytes.AsSpan(offset, RecordSize);
            var type = BinaryPrimitives.ReadInt16LittleEndian(record);
            var pid = BinaryPrimitives.ReadInt32LittleEndian(record[4..]);
            if (type == UserProcess && record[44] != 0 && pid > 0 && Directory.Exists($"/proc/{pid}"))
            {
                open++; // a stale record (its sshd died without logging out) does not count
            }
        }

        return open;
    }

    /// <summary>One user-process record, as sshd writes it (for tests, which cannot log in).</summary>
    internal static byte[] Record(string user, string line, int pid)
    {
        var record = new byte[RecordSize];
        BinaryPrimitives.WriteInt16LittleEndian(record, UserProcess);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), pid);
        System.Text.Encoding.ASCII.GetBytes(line, record.AsSpan(8, 32));
        System.Text.Encoding.ASCII.GetBytes(user, record.AsSpan(44, 32));
        return record;
    }
}
