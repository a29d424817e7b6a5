using System.Text;
using System.Threading.Channels;

namespace Liberterra.Command.Server.Tak;

/// <summary>
/// One event on its way to TAK devices, encoded at most once in each protocol however many devices it goes to (the
/// devices of one agency's view share it). <see cref="ThenProtobuf"/> marks the negotiation's answer: what follows it on
/// that connection is TAK protocol version 1. <see cref="Seq"/> is the sequence number of the state it shows (a team's
/// last event; 0 for what is not a state), so that an older picture never replaces a newer one.
/// </summary>
public sealed class TakEncoded(CotEvent e, bool thenProtobuf = false, long seq = 0)
{
    private byte[]? _xml;
    private byte[]? _protobuf;

    public string Uid => e.Uid;

    public long Seq => seq;

    public bool ThenProtobuf => thenProtobuf;

    // Two writers may encode it at once; either result is the same bytes.
    public byte[] Xml => _xml ??= Encoding.UTF8.GetBytes(CotXml.Write(e));

    public byte[] Protobuf => _protobuf ??= TakProtocol.Frame(e);
}

/// <summary>
/// What waits for one device, newest per uid: a team's marker that changes again before the device was written to is
/// replaced where it waits, so a device that reads slower than the operation changes gets the latest picture, not a
/// backlog (a CoT map keeps only each uid's newest event anyway). Chat and control events have uids of their own and
/// are never replaced. More than <see cref="MaxPending"/> different uids waiting means the device stopped reading.
/// </summary>
public sealed class TakOutbox
{
    /// <summary>Different uids waiting before the device counts as too slow (every team, region and open order fits).</summary>
    public const int MaxPending = 8192;

    private readonly object _gate = new();
    private readonly Dictionary<string, TakEncoded> _latest = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _newest = new(StringComparer.Ordinal);     // per uid, the newest seq put
    private readonly Queue<string> _order = new();
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    /// <summary>
    /// Adds (or replaces, by uid) an event; one showing an older state than already put is let go (a device's greeting
    /// read before a change that reached it first). False when the device has too much waiting.
    /// </summary>
    public bool Put(TakEncoded e)
    {
        lock (_gate)
        {
            if (e.Seq > 0)
            {
                if (_newest.GetValueOrDefault(e.Uid) > e.Seq) return true;
                _newest[e.Uid] = e.Seq;
            }

            if (!_latest.ContainsKey(e.Uid))
            {
                if (_latest.Count >= MaxPending) return false;
                _order.Enqueue(e.Uid);
            }

            _latest[e.Uid] = e;
        }

        _doorbell.Writer.TryWrite(true);
        return true;
    }

    /// <summary>Waits until something is waiting, then takes all of it, oldest uid first.</summary>
    public async ValueTask<List<TakEncoded>> TakeAsync(CancellationToken ct)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_order.Count > 0)
                {
                    var taken = new List<TakEncoded>(_order.Count);
                    while (_order.TryDequeue(out var uid)) taken.Add(_latest[uid]);
                    _latest.Clear();
                    return taken;
                }
            }

            await _doorbell.Reader.ReadAsync(ct);
        }
    }
}
