package io.chatnio.examples.irc;

import io.chatnio.MessageWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Every line the server itself is the source of, one method each: the numerics (formats of the "Modern IRC
 * client protocol" document, which keeps RFC 1459/2812's codes), {@code CAP}, {@code PONG} and {@code ERROR}.
 * Each goes to one client, written in place with {@link io.chatnio.Connection#message()}; the lines clients are
 * the source of, which go to many, are {@link Relay}'s.
 *
 * <p>Every line starts with {@code ":<server> "} and ends with CR (the line codec appends LF). The first
 * parameter of a numeric is the recipient's nick, or {@code *} before it has one. A parameter that repeats what
 * a client sent ({@link #echo}) is cut at its first space and to 64 bytes, and is {@code *} if empty or starting
 * with {@code :}, so that it stays one middle parameter; a trailing text from a client is cut, at a UTF-8
 * boundary, so that the line fits in 512 bytes.
 *
 * <p><b>Threading.</b> Loop thread only (it writes with the loop's message writer). Immutable otherwise.
 */
final class Replies {
    /** The most bytes of a line before its CR LF. */
    static final int MAX_CONTENT = 510;
    private static final int MAX_ECHO = 64;
    static final byte[] CR = {'\r'};

    /** {@code ":<server> "}. */
    private final byte[] source;
    private final IrcServer.Options options;
    /** Text of RPL_CREATED: when the server started. */
    private final String created;

    Replies(IrcServer.Options options, String created) {
        this.options = options;
        this.source = (":" + options.serverName() + " ").getBytes(StandardCharsets.US_ASCII);
        this.created = created;
    }

    String serverName() {
        return options.serverName();
    }

    /** Begins {@code ":<server> <code> <nick|*>"} to {@code to}; finish with {@link #end}. */
    MessageWriter begin(Client to, String code) {
        MessageWriter w = to.connection.message();
        w.put(source).putUtf8(code).put((byte) ' ').putUtf8(to.nickOrStar());
        return w;
    }

    /** Appends middle parameters. */
    static MessageWriter middle(MessageWriter w, String... params) {
        for (String p : params) {
            w.put((byte) ' ').putUtf8(p);
        }
        return w;
    }

    /** Appends {@code " :" + text} and ends the line. */
    static void end(MessageWriter w, String text) {
        w.put((byte) ' ').put((byte) ':').putUtf8(text).put(CR);
        w.send();
    }

    /** Appends {@code " :" + text}, cut to fit the line, and ends it. */
    static void end(MessageWriter w, byte[] text) {
        w.put((byte) ' ').put((byte) ':');
        w.put(text, 0, Utf8.cut(text, MAX_CONTENT - w.length())).put(CR);
        w.send();
    }

    /** Ends a line whose last parameter was a middle one. */
    static void end(MessageWriter w) {
        w.put(CR);
        w.send();
    }

    /** A parameter repeating what a client sent, made safe as one middle parameter (see the class comment). */
    static String echo(String s) {
        int space = s.indexOf(' ');
        if (space >= 0) {
            s = s.substring(0, space);
        }
        if (s.isEmpty() || s.startsWith(":")) {
            return "*";
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return b.length <= MAX_ECHO ? s : new String(b, 0, Utf8.cut(b, MAX_ECHO), StandardCharsets.UTF_8);
    }

    private void numeric(Client to, String code, String text) {
        end(begin(to, code), text);
    }

    private void numeric(Client to, String code, String p1, String text) {
        end(middle(begin(to, code), p1), text);
    }

    private void numeric(Client to, String code, String p1, String p2, String text) {
        end(middle(begin(to, code), p1, p2), text);
    }

    // ---- registration ----

    /** 001, 002, 003, 004 and the 005 lines: the welcome burst. */
    void welcome(Client to) {
        numeric(to, "001", "Welcome to the " + options.network() + " Network, " + to.mask());
        numeric(to, "002", "Your host is " + options.serverName() + ", running version " + IrcServer.VERSION);
        numeric(to, "003", "This server was created " + created);
        end(middle(begin(to, "004"), options.serverName(), IrcServer.VERSION, "i", "not", "o"));
        for (List<String> tokens : Isupport.lines(options.network())) {
            end(middle(begin(to, "005"), tokens.toArray(new String[0])), "are supported by this server");
        }
    }

    /** 375, 372 per line, 376; or 422 when there is no MOTD. */
    void motd(Client to) {
        List<String> lines = options.motd();
        if (lines.isEmpty()) {
            numeric(to, "422", "MOTD File is missing");
            return;
        }
        numeric(to, "375", "- " + options.serverName() + " Message of the day - ");
        for (String line : lines) {
            numeric(to, "372", "- " + line);
        }
        numeric(to, "376", "End of /MOTD command.");
    }

    /** {@code CAP <nick|*> <subcommand> :<capabilities>}: LS and LIST (always empty), NAK (what was asked). */
    void cap(Client to, String subcommand, byte[] capabilities) {
        MessageWriter w = to.connection.message();
        w.put(source).putUtf8("CAP ").putUtf8(to.nickOrStar()).put((byte) ' ').putUtf8(subcommand);
        end(w, capabilities);
    }

    /** {@code PONG <server> :<token>}, the answer to a client's PING. */
    void pong(Client to, byte[] token) {
        MessageWriter w = to.connection.message();
        w.put(source).putUtf8("PONG ").putUtf8(options.serverName());
        end(w, token);
    }

    /** {@code ERROR :<text>} (no source), the last line before the server closes the connection. */
    static void error(Client to, String text) {
        MessageWriter w = to.connection.message();
        w.putUtf8("ERROR");
        end(w, text.getBytes(StandardCharsets.UTF_8));
    }

    /** 221 RPL_UMODEIS. */
    void userModes(Client to) {
        end(middle(begin(to, "221"), to.invisible ? "+i" : "+"));
    }

    // ---- queries ----

    /** 301 RPL_AWAY: {@code target} is away. */
    void away(Client to, Client target) {
        end(middle(begin(to, "301"), target.nick), target.away);
    }

    /** 305 RPL_UNAWAY. */
    void unaway(Client to) {
        numeric(to, "305", "You are no longer marked as being away");
    }

    /** 306 RPL_NOWAWAY. */
    void nowAway(Client to) {
        numeric(to, "306", "You have been marked as being away");
    }

    /** 311 RPL_WHOISUSER. */
    void whoisUser(Client to, Client target) {
        end(middle(begin(to, "311"), target.nick, target.user, target.host, "*"), target.realname);
    }

    /** 312 RPL_WHOISSERVER. */
    void whoisServer(Client to, Client target) {
        numeric(to, "312", target.nick, options.serverName(), options.network());
    }

    /** 318 RPL_ENDOFWHOIS. */
    void endOfWhois(Client to, String mask) {
        numeric(to, "318", echo(mask), "End of /WHOIS list");
    }

    /** 319 RPL_WHOISCHANNELS: {@code channels} is a space-separated list, each with its member prefix. */
    void whoisChannels(Client to, Client target, String channels) {
        numeric(to, "319", target.nick, channels);
    }

    /** 352 RPL_WHOREPLY; {@code channel} is a channel name or {@code *}. */
    void who(Client to, String channel, Client target, String flags) {
        MessageWriter w = middle(begin(to, "352"), channel, target.user, target.host, options.serverName(),
                target.nick, flags);
        w.put((byte) ' ').put((byte) ':').put((byte) '0').put((byte) ' ');
        w.put(target.realname, 0, Utf8.cut(target.realname, MAX_CONTENT - w.length())).put(CR);
        w.send();
    }

    /** 315 RPL_ENDOFWHO. */
    void endOfWho(Client to, String mask) {
        numeric(to, "315", echo(mask), "End of WHO list");
    }

    /** 321 RPL_LISTSTART. */
    void listStart(Client to) {
        numeric(to, "321", "Channel", "Users  Name");
    }

    /** 322 RPL_LIST. */
    void list(Client to, Channel channel) {
        MessageWriter w = middle(begin(to, "322"), channel.name, Integer.toString(channel.members.size()));
        end(w, channel.topic == null ? new byte[0] : channel.topic);
    }

    /** 323 RPL_LISTEND. */
    void listEnd(Client to) {
        numeric(to, "323", "End of /LIST");
    }

    /** 324 RPL_CHANNELMODEIS, then 329 RPL_CREATIONTIME. */
    void channelModes(Client to, Channel channel) {
        end(middle(begin(to, "324"), channel.name, channel.modes()));
        end(middle(begin(to, "329"), channel.name, Long.toString(channel.createdSeconds)));
    }

    /** 331 RPL_NOTOPIC, or 332 RPL_TOPIC and 333 RPL_TOPICWHOTIME. */
    void topic(Client to, Channel channel) {
        if (channel.topic == null) {
            numeric(to, "331", channel.name, "No topic is set");
            return;
        }
        end(middle(begin(to, "332"), channel.name), channel.topic);
        end(middle(begin(to, "333"), channel.name, channel.topicSetBy, Long.toString(channel.topicSetAt)));
    }

    /** 353 RPL_NAMREPLY lines for {@code members} (as many lines as needed), without the end. */
    void names(Client to, String channelName, List<Client> members, Channel prefixes) {
        MessageWriter w = null;
        for (Client m : members) {
            String name = (prefixes == null ? "" : prefixes.prefixOf(m)) + m.nick;
            if (w != null && w.length() + 1 + name.length() > MAX_CONTENT) {
                end(w);
                w = null;
            }
            if (w == null) {
                w = middle(begin(to, "353"), "=", channelName);
                w.put((byte) ' ').put((byte) ':').putUtf8(name);
            } else {
                w.put((byte) ' ').putUtf8(name);
            }
        }
        if (w != null) {
            end(w);
        }
    }

    /** 366 RPL_ENDOFNAMES. */
    void endOfNames(Client to, String channelName) {
        numeric(to, "366", echo(channelName), "End of /NAMES list");
    }

    /** 368 RPL_ENDOFBANLIST: the ban list, which is always empty here. */
    void endOfBans(Client to, Channel channel) {
        numeric(to, "368", channel.name, "End of channel ban list");
    }

    // ---- errors ----

    /** 401 ERR_NOSUCHNICK: no such nick or channel. */
    void noSuchNick(Client to, String name) {
        numeric(to, "401", echo(name), "No such nick/channel");
    }

    /** 403 ERR_NOSUCHCHANNEL. */
    void noSuchChannel(Client to, String name) {
        numeric(to, "403", echo(name), "No such channel");
    }

    /** 404 ERR_CANNOTSENDTOCHAN. */
    void cannotSendToChannel(Client to, Channel channel) {
        numeric(to, "404", channel.name, "Cannot send to channel");
    }

    /** 405 ERR_TOOMANYCHANNELS. */
    void tooManyChannels(Client to, String name) {
        numeric(to, "405", echo(name), "You have joined too many channels");
    }

    /** 407 ERR_TOOMANYTARGETS. */
    void tooManyTargets(Client to, String target) {
        numeric(to, "407", echo(target), "Too many targets, at most " + Names.MAXTARGETS);
    }

    /** 409 ERR_NOORIGIN: a PING without a token. */
    void noOrigin(Client to) {
        numeric(to, "409", "No origin specified");
    }

    /** 410 ERR_INVALIDCAPCMD. */
    void invalidCapCommand(Client to, String subcommand) {
        numeric(to, "410", echo(subcommand), "Invalid CAP command");
    }

    /** 411 ERR_NORECIPIENT. */
    void noRecipient(Client to, String verb) {
        numeric(to, "411", "No recipient given (" + verb + ")");
    }

    /** 412 ERR_NOTEXTTOSEND. */
    void noTextToSend(Client to) {
        numeric(to, "412", "No text to send");
    }

    /** 421 ERR_UNKNOWNCOMMAND. */
    void unknownCommand(Client to, String verb) {
        numeric(to, "421", echo(verb), "Unknown command");
    }

    /** 431 ERR_NONICKNAMEGIVEN. */
    void noNicknameGiven(Client to) {
        numeric(to, "431", "No nickname given");
    }

    /** 432 ERR_ERRONEUSNICKNAME. */
    void erroneousNickname(Client to, String nick) {
        numeric(to, "432", echo(nick), "Erroneous nickname");
    }

    /** 433 ERR_NICKNAMEINUSE. */
    void nicknameInUse(Client to, String nick) {
        numeric(to, "433", echo(nick), "Nickname is already in use");
    }

    /** 441 ERR_USERNOTINCHANNEL. */
    void userNotInChannel(Client to, String nick, Channel channel) {
        numeric(to, "441", echo(nick), channel.name, "They aren't on that channel");
    }

    /** 442 ERR_NOTONCHANNEL. */
    void notOnChannel(Client to, Channel channel) {
        numeric(to, "442", channel.name, "You're not on that channel");
    }

    /** 451 ERR_NOTREGISTERED. */
    void notRegistered(Client to) {
        numeric(to, "451", "You have not registered");
    }

    /** 461 ERR_NEEDMOREPARAMS. */
    void needMoreParams(Client to, String verb) {
        numeric(to, "461", verb, "Not enough parameters");
    }

    /** 462 ERR_ALREADYREGISTERED. */
    void alreadyRegistered(Client to) {
        numeric(to, "462", "You may not reregister");
    }

    /** 468 ERR_INVALIDUSERNAME. */
    void invalidUsername(Client to) {
        numeric(to, "468", "Your username is not valid");
    }

    /** 472 ERR_UNKNOWNMODE. */
    void unknownMode(Client to, char mode) {
        numeric(to, "472", String.valueOf(mode), "is unknown mode char to me");
    }

    /** 482 ERR_CHANOPRIVSNEEDED. */
    void chanOpPrivsNeeded(Client to, Channel channel) {
        numeric(to, "482", channel.name, "You're not channel operator");
    }

    /** 501 ERR_UMODEUNKNOWNFLAG. */
    void unknownUserModeFlag(Client to) {
        numeric(to, "501", "Unknown MODE flag");
    }

    /** 502 ERR_USERSDONTMATCH. */
    void usersDontMatch(Client to) {
        numeric(to, "502", "Cant change mode for other users");
    }
}
