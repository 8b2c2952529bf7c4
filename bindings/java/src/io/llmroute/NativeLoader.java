package io.llmroute;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loads the JNI library once, from the first of:
 *
 * <ol>
 *   <li>the system property {@code llmroute.jni}, a full path to libllmroute_java.so (tests of a
 *       build tree, or a library installed in <prefix>/lib/jni);
 *   <li>the libraries the jar carries under {@code META-INF/native/<os>-<arch>/} (the layout of
 *       netty-tcnative and sqlite-jdbc): the file {@code LIBRARIES} there names them in load
 *       order (libllmroute.so.1, then libllmroute_java.so). They are copied into a new private
 *       temporary folder (owner-only permissions, under {@code llmroute.tmpdir} or
 *       {@code java.io.tmpdir}), loaded with System.load, and deleted again: on Linux a loaded
 *       library stays mapped after its file is gone, so nothing is left behind in /tmp;
 *   <li>System.loadLibrary("llmroute_java"), through {@code java.library.path}.
 * </ol>
 */
final class NativeLoader {
  private static final String RESOURCE_ROOT = "/META-INF/native/";
  private static boolean loaded;

  private NativeLoader() {}

  static synchronized void load() {
    if (loaded) return;
    String path = System.getProperty("llmroute.jni");
    if (path != null && !path.isEmpty()) {
      System.load(path);
    } else if (!loadBundled()) {
      try {
        System.loadLibrary("llmroute_java");
      } catch (UnsatisfiedLinkError e) {
        UnsatisfiedLinkError error = new UnsatisfiedLinkError(
            "llmroute: this jar carries no native libraries for " + platform() + " (no "
                + RESOURCE_ROOT + platform() + "/LIBRARIES), and libllmroute_java.so is not on "
                + "java.library.path; pass -Dllmroute.jni=<path to libllmroute_java.so> ("
                + e.getMessage() + ")");
        error.initCause(e);
        throw error;
      }
    }
    loaded = true;
  }

  /** "linux-x86_64", "linux-aarch_64", ...: the folder name the build uses (netty's spelling). */
  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (os.startsWith("linux")) {
      os = "linux";
    } else if (os.startsWith("mac") || os.startsWith("darwin")) {
      os = "osx";
    } else if (os.startsWith("windows")) {
      os = "windows";
    }
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (arch.equals("amd64") || arch.equals("x86_64")) {
      arch = "x86_64";
    } else if (arch.equals("aarch64") || arch.equals("arm64")) {
      arch = "aarch_64";
    }
    return os + "-" + arch;
  }

  /** Extracts and loads the jar's libraries; false when the jar has none for this platform. */
  private static boolean loadBundled() {
    String folder = RESOURCE_ROOT + platform() + "/";
    List<String> names = bundledNames(folder);
    if (names == null) return false;
    Path dir;
    try {
      String base = System.getProperty("llmroute.tmpdir", System.getProperty("java.io.tmpdir"));
      // On POSIX file systems createTempDirectory makes the folder rwx------: no other user can
      // swap a library in between the copy and the load.
      dir = Files.createTempDirectory(Paths.get(base), "llmroute-native-");
    } catch (IOException e) {
      throw new UncheckedIOException("llmroute: cannot create a folder for the native libraries "
          + "(set -Dllmroute.tmpdir to a writable folder that allows executables)", e);
    }
    List<Path> extracted = new ArrayList<>();
    try {
      for (String name : names) {
        Path file = dir.resolve(name);
        try (InputStream in = NativeLoader.class.getResourceAsStream(folder + name)) {
          if (in == null) {
            throw new UnsatisfiedLinkError("llmroute: " + folder + "LIBRARIES names " + name
                + ", which the jar does not contain");
          }
          Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        extracted.add(file);
      }
      // In order: libllmroute first, so the JNI library's dependency is already loaded (its
      // RUNPATH $ORIGIN would find it too).
      for (Path file : extracted) {
        System.load(file.toAbsolutePath().toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("llmroute: cannot extract the native libraries into " + dir,
          e);
    } finally {
      for (Path file : extracted) deleteQuietly(file);
      deleteQuietly(dir);
    }
    return true;
  }

  /** The names listed in folder/LIBRARIES, or null when the jar has no such file. */
  private static List<String> bundledNames(String folder) {
    try (InputStream in = NativeLoader.class.getResourceAsStream(folder + "LIBRARIES")) {
      if (in == null) return null;
      List<String> names = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        String name = line.trim();
        if (name.isEmpty()) continue;
        if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
          throw new UnsatisfiedLinkError("llmroute: bad library name '" + name + "' in " + folder
              + "LIBRARIES");
        }
        names.add(name);
      }
      if (names.isEmpty()) {
        throw new UnsatisfiedLinkError("llmroute: " + folder + "LIBRARIES lists no library");
      }
      return names;
    } catch (IOException e) {
      throw new UncheckedIOException("llmroute: cannot read " + folder + "LIBRARIES", e);
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      path.toFile().deleteOnExit();
    }
  }
}
