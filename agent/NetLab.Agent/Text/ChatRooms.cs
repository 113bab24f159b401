namespace NetLab.Agent.Text;

/// <summary>Chat rooms for <c>/join</c>: every line a member types goes to the others, like <c>ncat --chat</c>.</summary>
internal sealed class ChatRooms
{
    private readonly Dictionary<string, List<TextSession>> _rooms = new(StringComparer.Ordinal);

    /// <summary>Adds the session to the room and returns the members now in it.</summary>
    public int Join(string room, TextSession session)
    {
        lock (_rooms)
        {
            if (!_rooms.TryGetValue(room, out var members))
            {
                _rooms[room] = members = [];
            }

            members.Add(session);
            return members.Count;
        }
    }

    public void Leave(string room, TextSession session)
    {
        lock (_rooms)
        {
            if (_rooms.TryGetValue(room, out var members) && members.Remove(session) && members.Count == 0)
            {
                _rooms.Remove(room);
            }
        }
    }

    /// <summary>How many are in the room now.</summary>
    public int Count(string room)
    {
        lock (_rooms)
        {
            return _rooms.TryGetValue(room, out var members) ? members.Count : 0;
        }
    }

    /// <summary>The room's members other than <paramref name="except"/>, at this moment.</summary>
    public TextSession[] Others(string room, TextSession except)
    {
        lock (_rooms)
        {
            return _rooms.TryGetValue(room, out var members) ? members.Where(m => m != except).ToArray() : [];
        }
    }
}
