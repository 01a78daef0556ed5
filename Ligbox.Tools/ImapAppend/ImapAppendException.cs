namespace Ligbox.Tools.ImapAppend;

/// <summary>The destination cannot take the messages at all (login refused, no personal namespace, a folder cannot be created).</summary>
/// <param name="message">What went wrong, in plain words.</param>
/// <param name="inner">The underlying failure.</param>
public sealed class ImapAppendException(string message, Exception? inner = null) : Exception(message, inner);
