# @summary One publishing (authenticated) broker user.
#
# `password` must be Sensitive so it never appears in a catalog diff, log or report; `topics`
# are the topic filters the user may publish (and read) under, `#` (everything) when left out.
type Mosquitto::Publisher = Struct[{
    password         => Sensitive[String[1]],
    Optional[topics] => Array[Mosquitto::Topic, 1],
}]
