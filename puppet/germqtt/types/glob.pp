# @summary One item of a [filter] list, e.g. a project glob: not empty, without blanks or commas.
#
# germqtt splits its lists at commas and blanks, so an item cannot hold them.
type Germqtt::Glob = Pattern[/\A[^\s,]+\z/]
