// nvinfer's std::vector and std::string, as trtplug's DeepStream entry points see them.
//
// Gst-nvinfer is built with GCC: the vectors and the string it hands a custom library are
// libstdc++'s (the CXX11 string ABI), and the memory a parser adds to them is later freed by
// nvinfer's ::operator delete. A library built with libstdc++ (the system toolchain) uses them as
// they are. A library built with another C++ library (the bundled toolchain links libc++) must not
// touch them through its own std::vector/std::string, whose layout and allocator differ; it sees
// them through the views below, which follow libstdc++'s layout and allocate with nvinfer's
// ::operator new. Only what trtplug's parsers need is here; elements must be trivially copyable
// (nvinfer's structs are plain C). Define TRTPLUG_DS_LIBSTDCXX_VIEWS to use the views with
// libstdc++ too (the tests do, to check them against the real thing).
#pragma once

#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>

#if defined(__GLIBCXX__) && !defined(TRTPLUG_DS_LIBSTDCXX_VIEWS)
#include <string>
#include <vector>

namespace trtplug {
namespace ds {
template <class T>
using Vector = std::vector<T>;
using String = std::string;
}  // namespace ds
}  // namespace trtplug

#else

namespace trtplug {
namespace ds {

// nvinfer's ::operator new (the nothrow form; nullptr when out of memory) and ::operator delete:
// the ones the process's libstdc++ (or a replacement in the program) provides, else malloc/free,
// which is what libstdc++'s own are made of.
void* nvinfer_allocate(std::size_t bytes) noexcept;
void nvinfer_free(void* p) noexcept;

// libstdc++'s std::vector<T>: begin, end, end of storage.
template <class T>
class Vector {
    static_assert(std::is_trivially_copyable<T>::value, "nvinfer's vectors hold plain C structs");

public:
    Vector() = default;
    Vector(const Vector&) = delete;
    Vector& operator=(const Vector&) = delete;
    ~Vector() { nvinfer_free(start_); }

    std::size_t size() const noexcept { return static_cast<std::size_t>(finish_ - start_); }
    std::size_t capacity() const noexcept { return static_cast<std::size_t>(end_of_storage_ - start_); }
    bool empty() const noexcept { return start_ == finish_; }
    T* begin() noexcept { return start_; }
    T* end() noexcept { return finish_; }
    const T* begin() const noexcept { return start_; }
    const T* end() const noexcept { return finish_; }
    T* data() noexcept { return start_; }
    const T* data() const noexcept { return start_; }
    T& operator[](std::size_t i) noexcept { return start_[i]; }
    const T& operator[](std::size_t i) const noexcept { return start_[i]; }

    // Throws std::bad_alloc (of this library's C++ runtime, caught inside it) when out of memory.
    void reserve(std::size_t n) {
        if (n <= capacity()) return;
        T* fresh = static_cast<T*>(nvinfer_allocate(n * sizeof(T)));
        if (fresh == nullptr) throw std::bad_alloc();
        const std::size_t count = size();
        if (count) std::memcpy(static_cast<void*>(fresh), start_, count * sizeof(T));
        nvinfer_free(start_);
        start_ = fresh;
        finish_ = fresh + count;
        end_of_storage_ = fresh + n;
    }
    void push_back(const T& value) {
        if (finish_ == end_of_storage_) {
            const T copy = value;  // `value` may live in the storage reserve() frees
            reserve(size() ? 2 * size() : 1);
            *finish_++ = copy;
            return;
        }
        *finish_++ = value;
    }
    // Shrinks only: the parsers drop what they added when a later step fails.
    void resize(std::size_t n) noexcept {
        if (n < size()) finish_ = start_ + n;
    }

private:
    T* start_ = nullptr;
    T* finish_ = nullptr;
    T* end_of_storage_ = nullptr;
};

// libstdc++'s std::string (CXX11 ABI): pointer, length, then 16 bytes that hold either the
// characters of a short string (the pointer then points at them) or the capacity.
class String {
public:
    String() noexcept : data_(local_), size_(0) { local_[0] = '\0'; }
    String(const String&) = delete;
    String& operator=(const String&) = delete;
    ~String() {
        if (!is_local()) nvinfer_free(data_);
    }

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    const char* c_str() const noexcept { return data_; }
    const char* data() const noexcept { return data_; }

    String& append(const char* text, std::size_t n) {
        reserve(size_ + n);
        std::memcpy(data_ + size_, text, n);
        size_ += n;
        data_[size_] = '\0';
        return *this;
    }
    String& operator+=(char c) { return append(&c, 1); }
    String& operator+=(const char* text) { return append(text, std::strlen(text)); }
    template <class Text>  // any string type of this library: std::string, std::string_view
    String& operator+=(const Text& text) { return append(text.data(), text.size()); }
    // Shrinks only, like Vector::resize.
    void resize(std::size_t n) noexcept {
        if (n < size_) {
            size_ = n;
            data_[n] = '\0';
        }
    }

private:
    static constexpr std::size_t kLocalCapacity = 15;
    bool is_local() const noexcept { return data_ == local_; }
    std::size_t capacity() const noexcept { return is_local() ? kLocalCapacity : allocated_capacity_; }
    void reserve(std::size_t n) {
        if (n <= capacity()) return;
        const std::size_t grown = n < 2 * capacity() ? 2 * capacity() : n;
        char* fresh = static_cast<char*>(nvinfer_allocate(grown + 1));
        if (fresh == nullptr) throw std::bad_alloc();
        std::memcpy(fresh, data_, size_ + 1);
        if (!is_local()) nvinfer_free(data_);
        data_ = fresh;
        allocated_capacity_ = grown;
    }

    char* data_;
    std::size_t size_;
    union {
        char local_[kLocalCapacity + 1];
        std::size_t allocated_capacity_;
    };
};

static_assert(sizeof(Vector<int>) == 3 * sizeof(void*), "libstdc++'s std::vector is three pointers");
static_assert(sizeof(String) == 32 || sizeof(void*) != 8, "libstdc++'s std::string is 32 bytes on 64-bit");

}  // namespace ds
}  // namespace trtplug

#endif
