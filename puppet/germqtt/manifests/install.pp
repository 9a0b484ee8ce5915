# @summary Installs the germqtt binary from a package or a file (private).
#
# @api private
class germqtt::install {
  assert_private()

  if $germqtt::manage_package {
    if $germqtt::install_method == 'package' {
      package { $germqtt::package_name:
        ensure => $germqtt::package_ensure,
      }
    } else {
      file { $germqtt::binary_path:
        ensure => file,
        owner  => 'root',
        group  => 'root',
        mode   => '0755',
        source => $germqtt::binary_source,
      }
    }
  }
}
