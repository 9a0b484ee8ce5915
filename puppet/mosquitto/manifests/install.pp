# @summary Installs the broker's package (private).
#
# @api private
class mosquitto::install {
  assert_private()

  if $mosquitto::manage_package {
    package { $mosquitto::package_name:
      ensure => $mosquitto::package_ensure,
    }
  }
}
